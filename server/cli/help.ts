// Help texts. Kept apart so `--help` loads nothing else.
export const MAIN_HELP = `awaitlens — static and live linter for async Rust (tokio)

Usage:
  awaitlens check [PATH...] [options]   lint Rust sources (default: .)
  awaitlens lsp [--stdio]               run the language server
  awaitlens watch [...]                 live findings from a running program (tokio-console)
  awaitlens record [...]                save a running program's console stream to a file
  awaitlens top [...]                   live table of a running program's tasks
  awaitlens help [COMMAND]              show help for a command

Options:
  -h, --help       show this help
  -V, --version    print the version

Docs: https://github.com/awaitlens/awaitlens/blob/main/docs/cli.md
`;

export const CHECK_HELP = `Usage: awaitlens check [PATH...] [options]

Checks every .rs file under each PATH (default: the current directory), honouring .gitignore.

Options:
  --format text|json|sarif   output format (default: text)
  --config FILE              awaitlens.toml to use (default: ./awaitlens.toml, else one in
                             the first PATH)
  --fail-on LEVEL            exit 1 when a finding is at or above LEVEL:
                             hint, info, warning (default), error, or none (never)
  --no-color                 no colours in text output (also: NO_COLOR=1)
  -h, --help                 show this help

Exit codes: 0 no findings at or above --fail-on, 1 there are some, 2 usage or internal error.
`;
