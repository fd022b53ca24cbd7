/**
 * The completion scripts `labctl completion SHELL` prints. Each asks the labctl on PATH
 * (`labctl __complete -- WORDS...`, the last word being completed) and offers its lines;
 * ":files" alone means: complete file names.
 */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = `# labctl completion for bash: source <(labctl completion bash)
_labctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' out
  out=$(labctl __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  if [[ "$out" == ":files" ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    compopt -o filenames 2>/dev/null
    return 0
  fi
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
  # KIND/ alone is a prefix to go on typing, not a finished word.
  [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == */ ]] && compopt -o nospace 2>/dev/null
  return 0
}
complete -F _labctl labctl
`;

const ZSH = `#compdef labctl
# labctl completion for zsh: source <(labctl completion zsh)
_labctl() {
  local -a out
  out=("\${(@f)$(labctl __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "\${out[1]}" == ":files" ]]; then
    _files
    return
  fi
  compadd -- "\${(@)out:#*/}"
  compadd -S '' -- "\${(@M)out:#*/}"
}
compdef _labctl labctl
`;

const FISH = `# labctl completion for fish: labctl completion fish | source
function __labctl_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    set -l out (labctl __complete -- $words 2>/dev/null)
    if test "$out" = ":files"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $out
    end
end
complete -c labctl -f -a '(__labctl_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
