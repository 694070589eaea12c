# vaultsh as an oh-my-zsh custom plugin, or for a zsh plugin manager.
# Generated from vaultsh/integration/zsh.py by `python -m vaultsh.integration`.
# Link this folder as $ZSH_CUSTOM/plugins/vaultsh and add vaultsh to plugins=(),
# or point your plugin manager at it. It loads the prompt segment and, once
# compinit has run, the completion from ../completions.
() {
  source $1/vaultsh.zsh
  if [[ -r ${1:h}/completions/_vaultsh ]] && (( $+functions[compdef] )); then
    source ${1:h}/completions/_vaultsh
  fi
} ${${(%):-%x}:A:h}
