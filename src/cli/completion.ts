import { defineCommand, globalArgs } from "./framework/command.ts";
import { completionScript } from "./framework/completion.ts";

export default defineCommand({
  meta: { name: "completion", description: "Print a shell completion script: bash, zsh or fish" },
  args: {
    shell: { type: "positional", valueHint: "shell", description: "bash, zsh or fish" },
    ...globalArgs,
  },
  help: {
    examples: [
      'eval "$(forge-eventlog completion bash)"        # in ~/.bashrc',
      "forge-eventlog completion zsh > ~/.zfunc/_forge-eventlog   # a directory of $fpath",
      "forge-eventlog completion fish > ~/.config/fish/completions/forge-eventlog.fish",
    ],
    notes: ["Completes commands, sub-commands and options; file names elsewhere."],
  },
  async run({ args }) {
    const { root } = await import("./main.ts");
    process.stdout.write(await completionScript(root, args.shell));
  },
});
