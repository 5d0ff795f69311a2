/**
 * The page's script, inlined as text: sorting, filtering, opening a story from the Gantt, and
 * on the live page the events pushed by the server. It runs in the browser (plain JS, no
 * imports); the page works without it: summary, table and stories are plain HTML.
 */
export const CLIENT_SCRIPT = `(function () {
  "use strict";
  var table = document.getElementById("issues");
  var rows = function () { return table ? Array.from(table.tBodies[0].rows) : []; };
  var status = document.getElementById("status-filter");
  var text = document.getElementById("text-filter");
  var shown = document.getElementById("shown");
  document.querySelectorAll("[data-js]").forEach(function (el) { el.hidden = false; });

  function filter() {
    var s = status ? status.value : "";
    var q = text ? text.value.trim().toLowerCase() : "";
    var n = 0;
    rows().forEach(function (r) {
      var ok = (s === "" || r.cells[2].textContent === s) &&
        (q === "" || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) n++;
    });
    if (shown) shown.textContent = String(n);
  }
  if (status) status.addEventListener("change", filter);
  if (text) text.addEventListener("input", filter);

  if (table) Array.from(table.tHead.rows[0].cells).forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var col = th.cellIndex;
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.from(th.parentElement.children).forEach(function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var key = function (r) {
        var c = r.cells[col];
        if (c.dataset.v !== undefined) return Number(c.dataset.v);
        var t = c.textContent.trim();
        return /^[#$]?\\d+(\\.\\d+)?$/.test(t) ? Number(t.replace(/^[#$]/, "")) : t.toLowerCase();
      };
      var body = table.tBodies[0];
      rows().sort(function (a, b) {
        var ka = key(a), kb = key(b);
        return (ka < kb ? -1 : ka > kb ? 1 : 0) * (asc ? 1 : -1);
      }).forEach(function (r) { body.appendChild(r); });
    });
  });

  function openStory(issue) {
    var row = document.getElementById("issue-" + issue);
    if (!row) return;
    row.hidden = false;
    var details = row.querySelector("details");
    if (details) details.open = true;
    row.scrollIntoView({ block: "center" });
    var focus = row.querySelector("summary, a");
    if (focus) focus.focus();
  }
  document.querySelectorAll(".lane").forEach(function (lane) {
    lane.addEventListener("click", function (e) {
      e.preventDefault();
      openStory(lane.dataset.issue);
    });
  });

  var live = document.getElementById("live-events");
  if (live) {
    var state = document.getElementById("live-state");
    var source = new EventSource("sse?after=" + document.body.dataset.liveAfter);
    source.onopen = function () { if (state) state.textContent = "connected"; };
    source.onerror = function () { if (state) state.textContent = "reconnecting"; };
    source.onmessage = function (m) {
      var e = JSON.parse(m.data);
      var li = document.createElement("li");
      li.dataset.sequence = String(e.sequence);
      li.textContent = "#" + e.sequence + " " + e.occurred_at + " " + e.kind + " " + (e.task_id || "");
      live.prepend(li);
      while (live.children.length > 200) live.lastElementChild.remove();
    };
  }
})();`;
