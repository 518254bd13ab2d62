function __vessel_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vessel_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __vessel_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vessel_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __vessel_parse_tokens -S
    set -l unparsed_tokens (__vessel_tokens -pc)
    switch $unparsed_tokens[1]
    case 'vessel'
        __vessel_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'build'
            __vessel_parse_subcommand 2 'arch=' 'compression=' 'level=' 'block-size=' 'j/jobs=' 'f/force' 'q/quiet' 'json' 'version' 'h/help'
        case 'inspect'
            __vessel_parse_subcommand 1 'json' 'version' 'h/help'
        case 'help'
            __vessel_parse_subcommand -r 1 'version'
        end
    end
end

function __vessel_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __vessel_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __vessel_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __vessel_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__vessel_tokens -p)
    if test -z "$(__vessel_tokens -t)"
        set -l index (count (__vessel_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'vessel' -f
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'build' -d 'Convert an OCI or Docker image into one SquashFS file.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'inspect' -d 'Show an image\'s configuration and where it came from.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" arch' -l 'arch' -d 'Platform to take from a multi-platform image: ARCH or OS/ARCH[/VARIANT] (default: this machine\'s).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" compression' -l 'compression' -d 'Compressor: zstd, gzip, xz or lz4.' -rfka 'zstd gzip xz lz4'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" level' -l 'level' -d 'Compression level (zstd 1-22, default 3; gzip 1-9, default 9).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" block-size' -l 'block-size' -d 'Data block size, a power of two from 4K to 1M.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" j jobs' -l 'jobs' -s 'j' -d 'Compressor threads (default: all cores).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" f force' -l 'force' -s 'f' -d 'Replace OUTPUT if it exists.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" q quiet' -l 'quiet' -s 'q' -d 'Print nothing but errors.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" json' -l 'json' -d 'Print a JSON report of the build on standard output.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel inspect" json' -l 'json' -d 'Print JSON for scripts.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel inspect" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel help" version' -l 'version' -d 'Show the version.'
