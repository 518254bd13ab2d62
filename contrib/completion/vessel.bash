#!/bin/bash

__vessel_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__vessel_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__vessel_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__vessel_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_vessel() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __vessel_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    build|pull|push|sign|verify|key|diff|login|logout|cache|resolve|remove-kept|inspect|exec|run|shell|submit|jobs|results|doctor|gateway|help)
        # Offer subcommand argument completions
        "_vessel_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'build pull push sign verify key diff login logout cache resolve remove-kept inspect exec run shell submit jobs results doctor gateway help' -- "${cur}"))
        ;;
    esac
}

_vessel_build() {
    repeating_flags=()
    non_repeating_flags=(--force -f --no-compat --quiet -q --json --insecure --version -h --help)
    repeating_options=()
    non_repeating_options=(--arch --compression --level --block-size --jobs -j --digest-file --ca-file --parallel)
    __vessel_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--arch')
        return
        ;;
    '--compression')
        __vessel_add_completions -W 'zstd'$'\n''gzip'$'\n''xz'$'\n''lz4'
        return
        ;;
    '--level')
        return
        ;;
    '--block-size')
        return
        ;;
    '--jobs'|'-j')
        return
        ;;
    '--digest-file')
        return
        ;;
    '--ca-file')
        return
        ;;
    '--parallel')
        return
        ;;
    esac
}

_vessel_pull() {
    repeating_flags=()
    non_repeating_flags=(--force -f --no-compat --quiet -q --json --insecure --version -h --help)
    repeating_options=()
    non_repeating_options=(--arch --compression --level --block-size --jobs -j --digest-file --ca-file --parallel)
    __vessel_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--arch')
        return
        ;;
    '--compression')
        __vessel_add_completions -W 'zstd'$'\n''gzip'$'\n''xz'$'\n''lz4'
        return
        ;;
    '--level')
        return
        ;;
    '--block-size')
        return
        ;;
    '--jobs'|'-j')
        return
        ;;
    '--digest-file')
        return
        ;;
    '--ca-file')
        return
        ;;
    '--parallel')
        return
        ;;
    esac
}

_vessel_push() {
    repeating_flags=()
    non_repeating_flags=(--quiet -q --json --insecure --version -h --help)
    repeating_options=()
    non_repeating_options=(--chunk-size --ca-file --parallel)
    __vessel_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--chunk-size')
        return
        ;;
    '--ca-file')
        return
        ;;
    '--parallel')
        return
        ;;
    esac
}

_vessel_sign() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--key-name --detached)
    __vessel_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--key-name')
        return
        ;;
    '--detached')
        return
        ;;
    esac
}

_vessel_verify() {
    repeating_flags=()
    non_repeating_flags=(--trusted --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--key --detached)
    __vessel_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--key')
        return
        ;;
    '--detached')
        return
        ;;
    esac
}

_vessel_key() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    new|list|export|import)
        # Offer subcommand argument completions
        "_vessel_key_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'new list export import' -- "${cur}"))
        ;;
    esac
}

_vessel_key_new() {
    repeating_flags=()
    non_repeating_flags=(--passphrase --version -h --help)
    repeating_options=()
    non_repeating_options=(--name)
    __vessel_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    esac
}

_vessel_key_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 0
}

_vessel_key_export() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 1
}

_vessel_key_import() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 1
}

_vessel_diff() {
    repeating_flags=()
    non_repeating_flags=(--metadata --summary --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 2
}

_vessel_login() {
    repeating_flags=()
    non_repeating_flags=(--password-stdin --insecure --version -h --help)
    repeating_options=()
    non_repeating_options=(--username -u --ca-file --parallel)
    __vessel_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--username'|'-u')
        return
        ;;
    '--ca-file')
        return
        ;;
    '--parallel')
        return
        ;;
    esac
}

_vessel_logout() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 1
}

_vessel_cache() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|clean)
        # Offer subcommand argument completions
        "_vessel_cache_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list clean' -- "${cur}"))
        ;;
    esac
}

_vessel_cache_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 0
}

_vessel_cache_clean() {
    repeating_flags=()
    non_repeating_flags=(--blobs --all --dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(--older-than)
    __vessel_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--older-than')
        return
        ;;
    esac
}

_vessel_resolve() {
    repeating_flags=()
    non_repeating_flags=(--force -f --no-compat --quiet -q --json --insecure --version -h --help)
    repeating_options=()
    non_repeating_options=(--arch --compression --level --block-size --jobs -j --digest-file --ca-file --parallel)
    __vessel_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--arch')
        return
        ;;
    '--compression')
        __vessel_add_completions -W 'zstd'$'\n''gzip'$'\n''xz'$'\n''lz4'
        return
        ;;
    '--level')
        return
        ;;
    '--block-size')
        return
        ;;
    '--jobs'|'-j')
        return
        ;;
    '--digest-file')
        return
        ;;
    '--ca-file')
        return
        ;;
    '--parallel')
        return
        ;;
    esac
}

_vessel_remove-kept() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 1
}

_vessel_inspect() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 1
}

_vessel_exec() {
    repeating_flags=()
    non_repeating_flags=(--cleanenv -e --fakeroot --writable-tmpfs --contain -c --no-home --unpack --nv --verbose -v --no-join --version -h --help)
    repeating_options=(--bind -B --env --env-file --unshare)
    non_repeating_options=(--pwd --join --overlay --save)
    __vessel_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--bind'|'-B')
        return
        ;;
    '--env')
        return
        ;;
    '--env-file')
        return
        ;;
    '--pwd')
        return
        ;;
    '--unshare')
        return
        ;;
    '--join')
        return
        ;;
    '--overlay')
        return
        ;;
    '--save')
        return
        ;;
    esac
}

_vessel_run() {
    repeating_flags=()
    non_repeating_flags=(--cleanenv -e --fakeroot --writable-tmpfs --contain -c --no-home --unpack --nv --verbose -v --no-join --version -h --help)
    repeating_options=(--bind -B --env --env-file --unshare)
    non_repeating_options=(--pwd --join --overlay --save)
    __vessel_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--bind'|'-B')
        return
        ;;
    '--env')
        return
        ;;
    '--env-file')
        return
        ;;
    '--pwd')
        return
        ;;
    '--unshare')
        return
        ;;
    '--join')
        return
        ;;
    '--overlay')
        return
        ;;
    '--save')
        return
        ;;
    esac
}

_vessel_shell() {
    repeating_flags=()
    non_repeating_flags=(--cleanenv -e --fakeroot --writable-tmpfs --contain -c --no-home --unpack --nv --verbose -v --no-join --version -h --help)
    repeating_options=(--bind -B --env --env-file --unshare)
    non_repeating_options=(--pwd --join --overlay --save)
    __vessel_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--bind'|'-B')
        return
        ;;
    '--env')
        return
        ;;
    '--env-file')
        return
        ;;
    '--pwd')
        return
        ;;
    '--unshare')
        return
        ;;
    '--join')
        return
        ;;
    '--overlay')
        return
        ;;
    '--save')
        return
        ;;
    esac
}

_vessel_submit() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --json --quiet -q --version -h --help)
    repeating_options=()
    non_repeating_options=(--gpus --gpu-type -N --nodes --tasks-per-node -c --cpus-per-task --mem -t --time -p --partition -a --array -A --account --qos --results --image -J --job-name -o --output -e --error)
    __vessel_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--gpus')
        return
        ;;
    '--gpu-type')
        return
        ;;
    '-N'|'--nodes')
        return
        ;;
    '--tasks-per-node')
        return
        ;;
    '-c'|'--cpus-per-task')
        return
        ;;
    '--mem')
        return
        ;;
    '-t'|'--time')
        return
        ;;
    '-p'|'--partition')
        return
        ;;
    '-a'|'--array')
        return
        ;;
    '-A'|'--account')
        return
        ;;
    '--qos')
        return
        ;;
    '--results')
        return
        ;;
    '--image')
        return
        ;;
    '-J'|'--job-name')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '-e'|'--error')
        return
        ;;
    esac
}

_vessel_jobs() {
    repeating_flags=()
    non_repeating_flags=(--all --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 0
}

_vessel_results() {
    repeating_flags=()
    non_repeating_flags=(--wait --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--results --timeout)
    __vessel_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--results')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_vessel_doctor() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options 0
}

_vessel_gateway() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--socket --cache --conversions --max-bytes)
    __vessel_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--socket')
        return
        ;;
    '--cache')
        return
        ;;
    '--conversions')
        return
        ;;
    '--max-bytes')
        return
        ;;
    esac
}

_vessel_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __vessel_offer_flags_options -1
}

complete -o filenames -F _vessel vessel
