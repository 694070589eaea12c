# fish completion for vaultsh, made by `vaultsh completion fish`
# from the argument parser (vaultsh/integration/fish.py); do not edit.
# Save it as ~/.config/fish/completions/vaultsh.fish, or load it with
#   vaultsh completion fish | source

# Profile names of AWS_CONFIG_FILE (else ~/.aws/config), read by fish itself:
# [default], [profile NAME], [profile "NAME"] and [profile 'NAME'].
function __vaultsh_profiles --description 'vaultsh: profile names'
    set -l file $AWS_CONFIG_FILE
    test -n "$file"; or set file ~/.aws/config
    string match -q -- '~/*' $file; and set file $HOME(string sub -s 2 -- $file)
    test -r "$file"; or return 0
    set -l plain '[^ \t"\'\\\\]'
    set -l name "(?:\"([^\"\\\\]+)\"|'([^']+)'|($plain+))"
    set -l pattern "^profile$plain*[ \t]+$name""[ \t]*\$"
    # the section headers only, picked out of all lines at once
    set -l headers (string match -rg -- '^\s*\[(.+)\]' <$file)
    contains -- default $headers; and printf '%s\n' default
    string replace -rf -- $pattern '$1$2$3' $headers
end

function __vaultsh_complete --description 'vaultsh: candidates at the cursor'
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l commands
    set -l flags
    set -l valued
    set -l positionals
    set -l command ''
    set -l expect ''
    set -l dashdash ''
    set -l run ''
    set -l position 1
    set -l at 2
    __vaultsh_spec ''
    while test $at -le (count $words)
        set -l word $words[$at]
        if test -n "$expect"
            set expect ''
        else if test -z "$command"; and not string match -q -- '-*' $word
            set command shell
            set position 2
            if contains -- $word $commands
                set command $word
                set position 1
            end
            __vaultsh_spec $command
        else if test -z "$dashdash" -a "$word" = -- -a -n "$command"
            set dashdash 1
            if test "$positionals[$position]" = command
                set run (math $at + 1)
                break
            end
        else if test "$positionals[$position]" = command
            set run $at
            break
        else if test -z "$dashdash"; and string match -q -- '-*' $word
            contains -- $word $valued; and set expect $word
        else
            set position (math $position + 1)
        end
        set at (math $at + 1)
    end
    set -l kind $positionals[$position]
    if test -z "$run" -a "$kind" = command
        if test -n "$dashdash"; or not string match -q -- '-*' $cur
            set run $at
        end
    end
    if test -n "$run"
        # the command after `vaultsh exec PROFILE [--]`, completed as fish would alone
        complete -C (string join ' ' -- (string escape -- $words[$run..-1]) $cur)
    else if test -n "$expect"
        __vaultsh_choices $command $expect
    else if test -z "$dashdash"; and string match -q -- '--*=*' $cur
        set -l flag (string split -m 1 = -- $cur)[1]
        for choice in (__vaultsh_choices $command $flag)
            printf '%s\n' $flag=$choice
        end
    else if test "$kind" = command
        printf '%s\n' --
    else if test -z "$dashdash"; and string match -q -- '-*' $cur
        __vaultsh_flags $command
    else if test -z "$command"
        __vaultsh_commands
        printf '%s\tprofile\n' (__vaultsh_profiles)
    else if test "$kind" = profile
        printf '%s\tprofile\n' (__vaultsh_profiles)
    else if test "$kind" = choice
        __vaultsh_choices $command $position
    end
end

function __vaultsh_commands --description 'vaultsh: the commands'
    printf '%s\t%s\n' add 'store a profile\'s long-term access key in the keyring' remove 'delete a profile\'s stored key and its cached sessions' list 'show profiles, stored keys and live cached sessions' exec 'run a command with a profile\'s credentials in its environment' export 'print a profile\'s credentials (env, export-env, json, ini)' rotate 'replace a profile\'s long-term key with a new one' clear 'delete cached sessions' shell 'open the interactive shell on a profile (same as \'vaultsh PROFILE\')' demo 'open the shell on a local moto account seeded like the reference one' shell-init 'print the prompt segment script for zsh, bash or fish' completion 'print the TAB completion script for zsh, bash or fish' prompt 'print the prompt segment of the session in this environment'
end

# sets the caller's commands, flags, valued (flags that take a value) and
# positionals (profile, command, choice or word) for command $argv[1]
function __vaultsh_spec --no-scope-shadowing
    set commands add remove list exec export rotate clear shell demo shell-init completion prompt
    switch $argv[1]
        case ''
            set flags -h --help --debug --version
            set valued
            set positionals
        case add
            set flags -h --help --debug --env
            set valued
            set positionals profile
        case remove
            set flags -h --help --debug -f --force
            set valued
            set positionals profile
        case list
            set flags -h --help --debug
            set valued
            set positionals
        case exec
            set flags -h --help --debug --no-session --duration --region --mfa-token
            set valued --duration --region --mfa-token
            set positionals profile command
        case export
            set flags -h --help --debug --no-session --duration --region --mfa-token --format
            set valued --duration --region --mfa-token --format
            set positionals profile
        case rotate
            set flags -h --help --debug --no-session --duration --region --mfa-token --delete-other-key
            set valued --duration --region --mfa-token --delete-other-key
            set positionals profile
        case clear
            set flags -h --help --debug
            set valued
            set positionals profile
        case shell
            set flags -h --help --debug --no-session --duration --region --mfa-token
            set valued --duration --region --mfa-token
            set positionals profile
        case demo
            set flags -h --help --debug
            set valued
            set positionals
        case shell-init
            set flags -h --help --debug
            set valued
            set positionals choice
        case completion
            set flags -h --help --debug
            set valued
            set positionals choice
        case prompt
            set flags -h --help --debug --format
            set valued --format
            set positionals
    end
end

function __vaultsh_flags --description 'vaultsh: the flags of a command'
    switch $argv[1]
        case ''
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr' --version 'show program\'s version number and exit'
        case add
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr' --env 'read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment'
        case remove
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr' -f 'do not ask for confirmation' --force 'do not ask for confirmation'
        case list
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr'
        case exec
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr' --no-session 'use the stored long-term key, without GetSessionToken' --duration 'session length: 3600, 1h, 15m' --region 'AWS region to use' --mfa-token 'the current six-digit MFA code'
        case export
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr' --no-session 'use the stored long-term key, without GetSessionToken' --duration 'session length: 3600, 1h, 15m' --region 'AWS region to use' --mfa-token 'the current six-digit MFA code' --format 'output format (default: env)'
        case rotate
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr' --no-session 'use the stored long-term key, without GetSessionToken' --duration 'session length: 3600, 1h, 15m' --region 'AWS region to use' --mfa-token 'the current six-digit MFA code' --delete-other-key 'first delete this other access key of the IAM user (never the stored one), when it already has the two keys IAM allows'
        case clear
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr'
        case shell
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr' --no-session 'use the stored long-term key, without GetSessionToken' --duration 'session length: 3600, 1h, 15m' --region 'AWS region to use' --mfa-token 'the current six-digit MFA code'
        case demo
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr'
        case shell-init
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr'
        case completion
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr'
        case prompt
            printf '%s\t%s\n' -h 'show this help message and exit' --help 'show this help message and exit' --debug 'log each decision to stderr' --format 'plain text, or coloured for a terminal, zsh\'s or bash\'s prompt'
    end
end

# the values of flag (or positional number) $argv[2] of command $argv[1]
function __vaultsh_choices
    switch $argv[1]:$argv[2]
        case export:--format
            printf '%s\n' env export-env json ini
        case shell-init:1
            printf '%s\n' zsh bash fish
        case completion:1
            printf '%s\n' zsh bash fish
        case prompt:--format
            printf '%s\n' plain ansi zsh bash
    end
end
complete -c vaultsh -e
complete -c vaultsh -f -a '(__vaultsh_complete)'
