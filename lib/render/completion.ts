/**
 * `cloudy-tasks completion bash|zsh|fish`: a script the shell sources. Task names are never baked
 * in: each completion asks `cloudy-tasks --list --quiet` (names only, one per line), passing on
 * the `-C DIR` / `-c FILE` already typed, so a task added to the config completes at once (bash
 * also completes the last task's parameters, from `help <task> --json`). Options
 * come from the CLI's own table (handed in), so the scripts cannot drift from the parser.
 */

export interface CompletionOption {
  readonly long: string;
  readonly short?: string;
  /** Takes a value (`--junit FILE`): the next word is not a task. */
  readonly value: boolean;
  readonly description: string;
}

export type CompletionShell = 'bash' | 'zsh' | 'fish';
export const COMPLETION_SHELLS: readonly CompletionShell[] = ['bash', 'zsh', 'fish'];

/** Words that are commands of cloudy-tasks rather than tasks. */
const COMMANDS = ['help', 'history', 'completion'];

export function completionScript(shell: CompletionShell, options: readonly CompletionOption[]): string {
  switch (shell) {
    case 'bash':
      return bash(options);
    case 'zsh':
      return zsh(options);
    case 'fish':
      return fish(options);
  }
}

const flags = (options: readonly CompletionOption[]) =>
  options.flatMap((o) => [`--${o.long}`, ...(o.short ? [`-${o.short}`] : [])]).join(' ');
const valued = (options: readonly CompletionOption[]) =>
  options
    .filter((o) => o.value)
    .flatMap((o) => [`--${o.long}`, ...(o.short ? [`-${o.short}`] : [])])
    .join('|');

function bash(options: readonly CompletionOption[]): string {
  return `# cloudy-tasks completion for bash. Load it with: source <(cloudy-tasks completion bash)
# or save it as ~/.local/share/bash-completion/completions/cloudy-tasks
_cloudy_tasks() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local -a where=()
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      -C|--cwd|-c|--config) where+=("\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}") ;;
    esac
  done
  case $prev in
    -c|--config|--junit) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -C|--cwd) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --graph) COMPREPLY=($(compgen -W "mermaid dot" -- "$cur")); return ;;
    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
    ${valued(options)}) return ;;
  esac
  local tasks
  tasks=$(command "\${COMP_WORDS[0]}" "\${where[@]}" --list --quiet 2>/dev/null)
  if [[ $cur == -* ]]; then
    # The parameters of the last task typed (from its help), then cloudy-tasks' own options.
    local task="" params="" w
    for ((i = 1; i < COMP_CWORD; i++)); do
      for w in $tasks; do [[ \${COMP_WORDS[i]} == "$w" ]] && task=$w; done
    done
    [[ -n $task ]] && params=$(command "\${COMP_WORDS[0]}" "\${where[@]}" help "$task" --json 2>/dev/null |
      grep -o '"--[a-z0-9-]*"' | tr -d '"')
    COMPREPLY=($(compgen -W "$params ${flags(options)}" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -W "$tasks ${COMMANDS.join(' ')}" -- "$cur"))
}
complete -F _cloudy_tasks cloudy-tasks
`;
}

/** A description inside a single-quoted `_arguments` spec: quotes closed and reopened, `[]:` escaped. */
const zshDescription = (text: string) => text.replace(/'/g, `'\\''`).replace(/[[\]:]/g, '\\$&');

function zsh(options: readonly CompletionOption[]): string {
  const specs = options.map((o) => {
    const names = o.short ? `'(-${o.short} --${o.long})'{-${o.short},--${o.long}}` : `--${o.long}`;
    return `    ${names}'[${zshDescription(o.description)}]${o.value ? `:${o.long}:` : ''}'`;
  });
  return `#compdef cloudy-tasks
# cloudy-tasks completion for zsh. Load it with: source <(cloudy-tasks completion zsh)
# (after compinit), or save it as _cloudy-tasks in a directory of your $fpath.
_cloudy_tasks_names() {
  local -a where tasks
  local i
  for ((i = 2; i < CURRENT; i++)); do
    case \${words[i]} in
      -C|--cwd|-c|--config) where+=("\${words[i]}" "\${words[i+1]}") ;;
    esac
  done
  tasks=(\${(f)"$(command \${words[1]} "\${where[@]}" --list --quiet 2>/dev/null)"})
  compadd -- $tasks ${COMMANDS.join(' ')}
}
_cloudy_tasks() {
  _arguments -s \\
${specs.join(' \\\n')} \\
    '*:task:_cloudy_tasks_names'
}
if [[ \${funcstack[1]} == _cloudy_tasks ]]; then
  _cloudy_tasks "$@"
else
  compdef _cloudy_tasks cloudy-tasks
fi
`;
}

const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fish(options: readonly CompletionOption[]): string {
  const lines = options.map(
    (o) =>
      `complete -c cloudy-tasks${o.short ? ` -s ${o.short}` : ''} -l ${o.long}${o.value ? ' -r' : ''} -d ${fishQuote(o.description)}`,
  );
  return `# cloudy-tasks completion for fish. Load it with: cloudy-tasks completion fish | source
# or save it as ~/.config/fish/completions/cloudy-tasks.fish
function __cloudy_tasks_names
    set -l words (commandline -opc)
    set -l where
    for i in (seq 2 (count $words))
        switch $words[$i]
            case -C --cwd -c --config
                set -a where $words[$i] $words[(math $i + 1)]
        end
    end
    command $words[1] $where --list --quiet 2>/dev/null
    printf '%s\\n' ${COMMANDS.join(' ')}
end
complete -c cloudy-tasks -f -a '(__cloudy_tasks_names)'
${lines.join('\n')}
`;
}
