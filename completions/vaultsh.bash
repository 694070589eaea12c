# bash completion for vaultsh, made by `vaultsh completion bash`
# from the argument parser (vaultsh/integration/bash.py); do not edit.
# Load it with  eval "$(vaultsh completion bash)"
# or save it as ~/.local/share/bash-completion/completions/vaultsh.

# Splits the line up to the cursor as bash will run it. Sets the caller's
# words (unquoted, before the current one), starts (their offsets), cur (the
# current word, unquoted), keep (the start of cur that readline leaves in
# place: up to an open quote or the last character of COMP_WORDBREAKS, such as
# : or @) and quote (the quote left open, if any).
_vaultsh_split() {
  local line=$1 c next word= inword= keepat=0 i kept='$'
  # readline's "special prefixes": word breaks that stay in the replaced text;
  # @ is one only while hostcomplete is on (bash-completion turns it off, and
  # with it takes @ out of COMP_WORDBREAKS)
  shopt -q hostcomplete && kept+=@
  words=() starts=() cur= keep= quote=
  for (( i = 0; i < ${#line}; i++ )); do
    c=${line:i:1}
    if [[ $quote == "'" ]]; then
      [[ $c == "'" ]] && quote= || word+=$c
      continue
    fi
    if [[ $quote == '"' ]]; then
      next=${line:i+1:1}
      if [[ $c == '"' ]]; then
        quote=
      elif [[ $c == '\' && -n $next && '$`"\' == *"$next"* ]]; then
        word+=$next
        (( i++ ))
      else
        word+=$c
      fi
      continue
    fi
    case $c in
      ' ' | $'\t' | $'\n')
        [[ -n $inword ]] && words+=("$word")
        word= inword= keepat=0
        continue ;;
    esac
    [[ -n $inword ]] || starts+=("$i")
    inword=1
    case $c in
      "'" | '"') quote=$c keepat=${#word} ;;
      '\') word+=${line:i+1:1}; (( i++ )) ;;
      *)
        word+=$c
        # readline replaces what follows the last word break before the cursor
        if [[ $COMP_WORDBREAKS == *"$c"* ]]; then
          keepat=${#word}
          [[ $kept == *"$c"* ]] && (( keepat-- ))
        fi ;;
    esac
  done
  cur=$word keep=${word:0:keepat}
}

# Adds the candidates "$@" that start with cur to COMPREPLY, quoted to fit
# what is already typed.
_vaultsh_offer() {
  local word rest quoted
  for word in "$@"; do
    [[ $word == "$cur"* ]] || continue
    rest=${word:${#keep}}
    case $quote in
      "'") COMPREPLY+=("$rest") ;;
      '"')
        rest=${rest//\\/\\\\} rest=${rest//\"/\\\"}
        rest=${rest//\$/\\\$} rest=${rest//\`/\\\`}
        COMPREPLY+=("$rest") ;;
      *)
        printf -v quoted '%q' "$rest"
        COMPREPLY+=("$quoted") ;;
    esac
  done
}

# Profile names of AWS_CONFIG_FILE (else ~/.aws/config), read by bash itself:
# [default], [profile NAME], [profile "NAME"] and [profile 'NAME'].
_vaultsh_profiles() {
  local file=${AWS_CONFIG_FILE:-$HOME/.aws/config} line header first rest name
  local blank=$' \t' space=$' \t\r\n'
  local -a lines
  [[ $file == '~/'* ]] && file=$HOME${file#'~'}
  [[ -r $file ]] || return 0
  profiles=()
  mapfile -t lines < "$file"
  for line in "${lines[@]}"; do
    [[ $line == *'['* ]] || continue
    [[ $line == [$space]* ]] && line=${line#"${line%%[!$space]*}"}
    # the header runs to the last ], as in Python's configparser
    [[ $line == '['?*']'* ]] || continue
    header=${line:1} header=${header%']'*} name=
    if [[ $header == default ]]; then
      name=default
    elif [[ $header == profile*[$blank]?* ]]; then
      first=${header%%[$blank]*}
      [[ $first == *[\"\'\\]* ]] && continue
      rest=${header:${#first}}
      rest=${rest#"${rest%%[!$blank]*}"}
      [[ $rest == *[$blank] ]] && rest=${rest%"${rest##*[!$blank]}"}
      case $rest in
        \"*\") rest=${rest:1:${#rest}-2}; [[ $rest == *[\"\\]* ]] || name=$rest ;;
        \'*\') rest=${rest:1:${#rest}-2}; [[ $rest == *\'* ]] || name=$rest ;;
        *[$blank\"\'\\]*) ;;
        *) name=$rest ;;
      esac
    fi
    [[ -n $name ]] && profiles+=("$name")
  done
}

# Hands the command after `vaultsh exec PROFILE [--]` to its own completion.
# $1 is its offset in COMP_LINE.
_vaultsh_run() {
  local at=$1 index=0 pos=0 spec func option
  while (( index < COMP_CWORD )); do
    while [[ ${COMP_LINE:pos:1} == [$' \t\n'] ]]; do (( pos++ )); done
    (( pos >= at )) && break
    (( pos += ${#COMP_WORDS[index]}, index++ ))
  done
  if (( index == COMP_CWORD )); then
    COMPREPLY=($(compgen -c -- "$cur"))
    return
  fi
  COMP_LINE=${COMP_LINE:at} COMP_POINT=$(( COMP_POINT - at ))
  COMP_WORDS=("${COMP_WORDS[@]:index}") COMP_CWORD=$(( COMP_CWORD - index ))
  spec=$(complete -p -- "${COMP_WORDS[0]}" 2>/dev/null)
  if [[ -z $spec ]]; then
    # a loader such as bash-completion's may define it on first use
    func=$(complete -p -D 2>/dev/null)
    [[ $func == *' -F '* ]] && func=${func#* -F } && "${func%% *}" \
      "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    spec=$(complete -p -- "${COMP_WORDS[0]}" 2>/dev/null)
  fi
  local -a parts
  read -ra parts <<< "$spec"
  for (( index = 0; index < ${#parts[@]}; index++ )); do
    case ${parts[index]} in
      -o) option=${parts[index + 1]}; compopt -o "$option" 2>/dev/null ;;
      -F) func=${parts[index + 1]} ;;
    esac
  done
  if [[ $spec == *' -F '* ]]; then
    COMPREPLY=()
    "$func" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  else
    compopt -o filenames
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

_vaultsh() {
  local -
  set +u
  local -a words starts flags valued positionals choices profiles
  local cur keep quote command= expect= dashdash= run= word kind
  local -i at=1 position=0
  COMPREPLY=()
  _vaultsh_split "${COMP_LINE:0:COMP_POINT}"
  _vaultsh_spec ''
  for (( ; at < ${#words[@]}; at++ )); do
    word=${words[at]}
    if [[ -n $expect ]]; then
      expect=
    elif [[ -z $command && $word != -* ]]; then
      command=shell position=1
      [[ " ${commands[*]} " == *" $word "* ]] && command=$word position=0
      _vaultsh_spec "$command"
    elif [[ -z $dashdash && $word == -- && -n $command ]]; then
      dashdash=1
      [[ ${positionals[position]-} == command ]] && run=${starts[at + 1]-} && break
    elif [[ ${positionals[position]-} == command ]]; then
      run=${starts[at]} && break
    elif [[ -z $dashdash && $word == -* ]]; then
      [[ " ${valued[*]} " == *" $word "* ]] && expect=$word
    else
      (( position++ ))
    fi
  done
  kind=${positionals[position]-}
  if [[ -n $run ]] || [[ $kind == command && ( -n $dashdash || $cur != -* ) ]]; then
    _vaultsh_run "${run:-${starts[at]:-${#COMP_LINE}}}"
  elif [[ -n $expect ]]; then
    _vaultsh_choices "$command" "$expect"
    _vaultsh_offer "${choices[@]}"
  elif [[ -z $dashdash && $cur == --*=* ]]; then
    _vaultsh_choices "$command" "${cur%%=*}"
    _vaultsh_offer "${choices[@]/#/${cur%%=*}=}"
  elif [[ $kind == command ]]; then
    _vaultsh_offer --
  elif [[ -z $dashdash && $cur == -* ]]; then
    _vaultsh_offer "${flags[@]}"
  elif [[ -z $command ]]; then
    _vaultsh_profiles
    _vaultsh_offer "${commands[@]}" "${profiles[@]}"
  elif [[ $kind == profile ]]; then
    _vaultsh_profiles
    _vaultsh_offer "${profiles[@]}"
  elif [[ $kind == choice ]]; then
    _vaultsh_choices "$command" "$position"
    _vaultsh_offer "${choices[@]}"
  fi
}

# Sets the caller's commands, flags, valued (flags that take a value) and
# positionals (profile, command, choice or word) for command $1.
_vaultsh_spec() {
  commands=(add remove list exec export rotate clear shell demo shell-init completion prompt)
  case $1 in
    '')
      flags=(-h --help --debug --version)
      valued=()
      positionals=() ;;
    add)
      flags=(-h --help --debug --env)
      valued=()
      positionals=(profile) ;;
    remove)
      flags=(-h --help --debug -f --force)
      valued=()
      positionals=(profile) ;;
    list)
      flags=(-h --help --debug)
      valued=()
      positionals=() ;;
    exec)
      flags=(-h --help --debug --no-session --duration --region --mfa-token)
      valued=(--duration --region --mfa-token)
      positionals=(profile command) ;;
    export)
      flags=(-h --help --debug --no-session --duration --region --mfa-token --format)
      valued=(--duration --region --mfa-token --format)
      positionals=(profile) ;;
    rotate)
      flags=(-h --help --debug --no-session --duration --region --mfa-token --delete-other-key)
      valued=(--duration --region --mfa-token --delete-other-key)
      positionals=(profile) ;;
    clear)
      flags=(-h --help --debug)
      valued=()
      positionals=(profile) ;;
    shell)
      flags=(-h --help --debug --no-session --duration --region --mfa-token)
      valued=(--duration --region --mfa-token)
      positionals=(profile) ;;
    demo)
      flags=(-h --help --debug)
      valued=()
      positionals=() ;;
    shell-init)
      flags=(-h --help --debug)
      valued=()
      positionals=(choice) ;;
    completion)
      flags=(-h --help --debug)
      valued=()
      positionals=(choice) ;;
    prompt)
      flags=(-h --help --debug --format)
      valued=(--format)
      positionals=() ;;
  esac
}
# Sets the caller's choices: the values of flag $2 (or of positional
# number $2) of command $1.
_vaultsh_choices() {
  choices=()
  case $1:$2 in
    export:--format) choices=(env export-env json ini) ;;
    shell-init:0) choices=(zsh bash fish) ;;
    completion:0) choices=(zsh bash fish) ;;
    prompt:--format) choices=(plain ansi zsh bash) ;;
  esac
}
complete -F _vaultsh vaultsh
