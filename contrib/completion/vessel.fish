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
            __vessel_parse_subcommand 2 'arch=' 'compression=' 'level=' 'block-size=' 'j/jobs=' 'f/force' 'no-compat' 'q/quiet' 'json' 'digest-file=' 'insecure' 'ca-file=' 'parallel=' 'version' 'h/help'
        case 'pull'
            __vessel_parse_subcommand 2 'arch=' 'compression=' 'level=' 'block-size=' 'j/jobs=' 'f/force' 'no-compat' 'q/quiet' 'json' 'digest-file=' 'insecure' 'ca-file=' 'parallel=' 'version' 'h/help'
        case 'push'
            __vessel_parse_subcommand 2 'chunk-size=' 'q/quiet' 'json' 'insecure' 'ca-file=' 'parallel=' 'version' 'h/help'
        case 'sign'
            __vessel_parse_subcommand 1 'key-name=' 'detached=' 'version' 'h/help'
        case 'verify'
            __vessel_parse_subcommand 1 'key=' 'trusted' 'detached=' 'json' 'version' 'h/help'
        case 'key'
            __vessel_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'new'
                __vessel_parse_subcommand 0 'name=' 'passphrase' 'version' 'h/help'
            case 'list'
                __vessel_parse_subcommand 0 'version' 'h/help'
            case 'export'
                __vessel_parse_subcommand 1 'version' 'h/help'
            case 'import'
                __vessel_parse_subcommand 1 'version' 'h/help'
            end
        case 'diff'
            __vessel_parse_subcommand 2 'metadata' 'summary' 'json' 'version' 'h/help'
        case 'login'
            __vessel_parse_subcommand 1 'u/username=' 'password-stdin' 'insecure' 'ca-file=' 'parallel=' 'version' 'h/help'
        case 'logout'
            __vessel_parse_subcommand 1 'version' 'h/help'
        case 'cache'
            __vessel_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __vessel_parse_subcommand 0 'json' 'version' 'h/help'
            case 'clean'
                __vessel_parse_subcommand 0 'older-than=' 'blobs' 'all' 'dry-run' 'version' 'h/help'
            end
        case 'resolve'
            __vessel_parse_subcommand 1 'arch=' 'compression=' 'level=' 'block-size=' 'j/jobs=' 'f/force' 'no-compat' 'q/quiet' 'json' 'digest-file=' 'insecure' 'ca-file=' 'parallel=' 'version' 'h/help'
        case 'remove-kept'
            __vessel_parse_subcommand 1 'version' 'h/help'
        case 'inspect'
            __vessel_parse_subcommand 1 'json' 'version' 'h/help'
        case 'exec'
            __vessel_parse_subcommand -r 2 'B/bind=+' 'env=+' 'env-file=+' 'e/cleanenv' 'fakeroot' 'writable-tmpfs' 'c/contain' 'no-home' 'pwd=' 'unpack' 'nv' 'v/verbose' 'unshare=+' 'join=' 'no-join' 'overlay=' 'save=' 'version' 'h/help'
        case 'run'
            __vessel_parse_subcommand -r 2 'B/bind=+' 'env=+' 'env-file=+' 'e/cleanenv' 'fakeroot' 'writable-tmpfs' 'c/contain' 'no-home' 'pwd=' 'unpack' 'nv' 'v/verbose' 'unshare=+' 'join=' 'no-join' 'overlay=' 'save=' 'version' 'h/help'
        case 'shell'
            __vessel_parse_subcommand 1 'B/bind=+' 'env=+' 'env-file=+' 'e/cleanenv' 'fakeroot' 'writable-tmpfs' 'c/contain' 'no-home' 'pwd=' 'unpack' 'nv' 'v/verbose' 'unshare=+' 'join=' 'no-join' 'overlay=' 'save=' 'version' 'h/help'
        case 'submit'
            __vessel_parse_subcommand -r 2 'gpus=' 'gpu-type=' 'N/nodes=' 'tasks-per-node=' 'c/cpus-per-task=' 'mem=' 't/time=' 'p/partition=' 'a/array=' 'A/account=' 'qos=' 'results=' 'image=' 'J/job-name=' 'o/output=' 'e/error=' 'dry-run' 'json' 'q/quiet' 'version' 'h/help'
        case 'jobs'
            __vessel_parse_subcommand 0 'all' 'json' 'version' 'h/help'
        case 'results'
            __vessel_parse_subcommand 1 'results=' 'wait' 'timeout=' 'json' 'version' 'h/help'
        case 'doctor'
            __vessel_parse_subcommand 0 'json' 'version' 'h/help'
        case 'gateway'
            __vessel_parse_subcommand 0 'socket=' 'cache=' 'conversions=' 'max-bytes=' 'version' 'h/help'
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
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'pull' -d 'Pull an image from a registry and convert it into one SquashFS file.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'push' -d 'Push an image file to a registry, as an OCI artifact.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'sign' -d 'Sign an image with your key.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'verify' -d 'Check an image\'s signatures: who signed, when, and what the image came from.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'key' -d 'Make, list, export and import signing keys (Ed25519).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'diff' -d 'Show what changed between two images.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'login' -d 'Save credentials for a registry.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'logout' -d 'Remove the credentials vessel login saved for a registry.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'cache' -d 'Show or clean the cache of pulled blobs and converted images.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'resolve' -d 'Print the SquashFS file to run for an image source, converting it into the cache if needed.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'remove-kept' -d 'Remove a kept overlay directory (--overlay DIR, or a named container), files of subordinate ids included.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'inspect' -d 'Show an image\'s configuration and where it came from.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'exec' -d 'Run a command in an image, rootless.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'run' -d 'Run an image\'s own command (Entrypoint + Cmd).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'shell' -d 'Start an interactive shell in an image (bash if it has one, else sh).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'submit' -d 'Submit a container job to the Slurm partition where it starts soonest, and collect its results.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'jobs' -d 'List your jobs submitted with vessel submit.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'results' -d 'Show where a job\'s results are, and verify them against their MANIFEST.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'doctor' -d 'Check this node for what running containers needs.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'gateway' -d 'Convert public images once for every user of the site (a service, run by systemd).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" arch' -l 'arch' -d 'Platform to take from a multi-platform image: ARCH or OS/ARCH[/VARIANT] (default: this machine\'s).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" compression' -l 'compression' -d 'Compressor: zstd, gzip, xz or lz4.' -rfka 'zstd gzip xz lz4'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" level' -l 'level' -d 'Compression level (zstd 1-22, default 3; gzip 1-9, default 9).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" block-size' -l 'block-size' -d 'Data block size, a power of two from 4K to 1M.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" j jobs' -l 'jobs' -s 'j' -d 'Compressor threads (default: all cores).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" f force' -l 'force' -s 'f' -d 'Replace OUTPUT if it exists.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" no-compat' -l 'no-compat' -d 'Leave out the metadata Apptainer (/.singularity.d) and Charliecloud (/ch) read.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" q quiet' -l 'quiet' -s 'q' -d 'Print nothing but errors.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" json' -l 'json' -d 'Print a JSON report on standard output.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" digest-file' -l 'digest-file' -d 'Write the image\'s manifest digest (sha256:...) to FILE, for scripts that pin it.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" insecure' -l 'insecure' -d 'Allow plain HTTP to a registry that is not on this machine (loopback registries may always use it).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" ca-file' -l 'ca-file' -d 'Trust the CA certificates in FILE (PEM) as well as the system\'s.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" parallel' -l 'parallel' -d 'Blobs to download at once (default 3, or registry-parallel in vessel.conf).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel build" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" arch' -l 'arch' -d 'Platform to take from a multi-platform image: ARCH or OS/ARCH[/VARIANT] (default: this machine\'s).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" compression' -l 'compression' -d 'Compressor: zstd, gzip, xz or lz4.' -rfka 'zstd gzip xz lz4'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" level' -l 'level' -d 'Compression level (zstd 1-22, default 3; gzip 1-9, default 9).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" block-size' -l 'block-size' -d 'Data block size, a power of two from 4K to 1M.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" j jobs' -l 'jobs' -s 'j' -d 'Compressor threads (default: all cores).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" f force' -l 'force' -s 'f' -d 'Replace OUTPUT if it exists.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" no-compat' -l 'no-compat' -d 'Leave out the metadata Apptainer (/.singularity.d) and Charliecloud (/ch) read.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" q quiet' -l 'quiet' -s 'q' -d 'Print nothing but errors.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" json' -l 'json' -d 'Print a JSON report on standard output.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" digest-file' -l 'digest-file' -d 'Write the image\'s manifest digest (sha256:...) to FILE, for scripts that pin it.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" insecure' -l 'insecure' -d 'Allow plain HTTP to a registry that is not on this machine (loopback registries may always use it).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" ca-file' -l 'ca-file' -d 'Trust the CA certificates in FILE (PEM) as well as the system\'s.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" parallel' -l 'parallel' -d 'Blobs to download at once (default 3, or registry-parallel in vessel.conf).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel pull" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel push" chunk-size' -l 'chunk-size' -d 'Bytes a request carries (default 64M; lower it for a registry behind a proxy that limits requests).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel push" q quiet' -l 'quiet' -s 'q' -d 'Print nothing but errors.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel push" json' -l 'json' -d 'Print a JSON report on standard output.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel push" insecure' -l 'insecure' -d 'Allow plain HTTP to a registry that is not on this machine (loopback registries may always use it).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel push" ca-file' -l 'ca-file' -d 'Trust the CA certificates in FILE (PEM) as well as the system\'s.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel push" parallel' -l 'parallel' -d 'Blobs to download at once (default 3, or registry-parallel in vessel.conf).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel push" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel push" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel sign" key-name' -l 'key-name' -d 'Which of your keys (default: your only one).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel sign" detached' -l 'detached' -d 'Write the signature to FILE instead of into the image.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel sign" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel sign" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel verify" key' -l 'key' -d 'Require a signature by this public key.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel verify" trusted' -l 'trusted' -d 'Require a signature by a trusted key.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel verify" detached' -l 'detached' -d 'Read the signatures from FILE (see vessel sign --detached).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel verify" json' -l 'json' -d 'Print JSON.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel verify" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel key" -eq 1' -fa 'new' -d 'Make a new key pair.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel key" -eq 1' -fa 'list' -d 'List your keys and the keys you trust.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel key" -eq 1' -fa 'export' -d 'Print a public key, to give to others.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel key" -eq 1' -fa 'import' -d 'Trust a public key (a file, or - for standard input).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key new" name' -l 'name' -d 'The key\'s name (default: your user name).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key new" passphrase' -l 'passphrase' -d 'Protect the private key with a passphrase (asked for, or VESSEL_KEY_PASSPHRASE).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key new" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key new" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key list" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key export" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key import" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel key import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel diff" metadata' -l 'metadata' -d 'Compare /.vessel/ too.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel diff" summary' -l 'summary' -d 'Print only the totals.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel diff" json' -l 'json' -d 'Print JSON.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel diff" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel diff" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel login" u username' -l 'username' -s 'u' -d 'The user name (asked for when not given).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel login" password-stdin' -l 'password-stdin' -d 'Read the password from standard input.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel login" insecure' -l 'insecure' -d 'Allow plain HTTP to a registry that is not on this machine (loopback registries may always use it).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel login" ca-file' -l 'ca-file' -d 'Trust the CA certificates in FILE (PEM) as well as the system\'s.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel login" parallel' -l 'parallel' -d 'Blobs to download at once (default 3, or registry-parallel in vessel.conf).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel login" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel login" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel logout" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel logout" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel cache" -eq 1' -fa 'list' -d 'List converted images and blobs, with sizes.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_positional "vessel cache" -eq 1' -fa 'clean' -d 'Remove cached images and blobs.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache list" json' -l 'json' -d 'Print JSON.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache list" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache clean" older-than' -l 'older-than' -d 'Remove what has not been used for this long (s, m, h, d, w).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache clean" blobs' -l 'blobs' -d 'Remove every blob (downloads), keeping converted images.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache clean" all' -l 'all' -d 'Remove everything.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache clean" dry-run' -l 'dry-run' -d 'Show what would be removed, remove nothing.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache clean" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel cache clean" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" arch' -l 'arch' -d 'Platform to take from a multi-platform image: ARCH or OS/ARCH[/VARIANT] (default: this machine\'s).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" compression' -l 'compression' -d 'Compressor: zstd, gzip, xz or lz4.' -rfka 'zstd gzip xz lz4'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" level' -l 'level' -d 'Compression level (zstd 1-22, default 3; gzip 1-9, default 9).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" block-size' -l 'block-size' -d 'Data block size, a power of two from 4K to 1M.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" j jobs' -l 'jobs' -s 'j' -d 'Compressor threads (default: all cores).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" f force' -l 'force' -s 'f' -d 'Replace OUTPUT if it exists.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" no-compat' -l 'no-compat' -d 'Leave out the metadata Apptainer (/.singularity.d) and Charliecloud (/ch) read.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" q quiet' -l 'quiet' -s 'q' -d 'Print nothing but errors.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" json' -l 'json' -d 'Print a JSON report on standard output.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" digest-file' -l 'digest-file' -d 'Write the image\'s manifest digest (sha256:...) to FILE, for scripts that pin it.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" insecure' -l 'insecure' -d 'Allow plain HTTP to a registry that is not on this machine (loopback registries may always use it).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" ca-file' -l 'ca-file' -d 'Trust the CA certificates in FILE (PEM) as well as the system\'s.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" parallel' -l 'parallel' -d 'Blobs to download at once (default 3, or registry-parallel in vessel.conf).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel resolve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel remove-kept" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel remove-kept" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel inspect" json' -l 'json' -d 'Print JSON for scripts.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel inspect" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec"' -l 'bind' -s 'B' -d 'Bind a host path: SRC[:DST[:ro|rw]] (repeatable). A missing SRC is an error.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec"' -l 'env' -d 'Set a variable inside (repeatable); wins over the image and the host.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec"' -l 'env-file' -d 'Read NAME=VALUE lines from a file (repeatable).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" cleanenv e' -l 'cleanenv' -s 'e' -d 'Pass no host variables but HOME, USER, LOGNAME, TERM, LANG, TZ and DISPLAY.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" fakeroot' -l 'fakeroot' -d 'Be root inside (uid 0, mapped to you outside: files you create are yours).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" writable-tmpfs' -l 'writable-tmpfs' -d 'Let the container write anywhere; the writes vanish when it exits.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" c contain' -l 'contain' -s 'c' -d 'Bind neither $HOME nor the current directory; give the container a private /tmp.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" no-home' -l 'no-home' -d 'Do not bind $HOME.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" pwd' -l 'pwd' -d 'Working directory inside.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" unpack' -l 'unpack' -d 'Unpack the image into a private tmpfs instead of mounting it with FUSE (done by itself when FUSE is not usable).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" nv' -l 'nv' -d 'Bring in the host\'s NVIDIA driver (libraries, nvidia-smi); GPUs Slurm allocated stay the visible ones.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" v verbose' -l 'verbose' -s 'v' -d 'Say on standard error what is done to start the container (the mounts, the image, the init) and when.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec"' -l 'unshare' -d 'Give the container namespaces of its own: net (only loopback), ipc, uts.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" join' -l 'join' -d 'Share one container with every `vessel exec` of yours on this node given the same KEY and options: the first starts it, the others join it (one user, mount and PID space: MPI\'s shared memory and CMA work between them). Under srun, the tasks of a step do this by themselves.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" no-join' -l 'no-join' -d 'Under srun, give this task a container of its own instead of sharing the step\'s.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" overlay' -l 'overlay' -d 'Keep what the container writes in DIR (made if missing, yours alone): the root is writable, and a later start with the same image and DIR sees it all again.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" save' -l 'save' -d 'When the container ends, write its root (the image and what was written to it) as a new image FILE, with provenance naming the image it came from. Implies a writable root.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel exec" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run"' -l 'bind' -s 'B' -d 'Bind a host path: SRC[:DST[:ro|rw]] (repeatable). A missing SRC is an error.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run"' -l 'env' -d 'Set a variable inside (repeatable); wins over the image and the host.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run"' -l 'env-file' -d 'Read NAME=VALUE lines from a file (repeatable).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" cleanenv e' -l 'cleanenv' -s 'e' -d 'Pass no host variables but HOME, USER, LOGNAME, TERM, LANG, TZ and DISPLAY.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" fakeroot' -l 'fakeroot' -d 'Be root inside (uid 0, mapped to you outside: files you create are yours).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" writable-tmpfs' -l 'writable-tmpfs' -d 'Let the container write anywhere; the writes vanish when it exits.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" c contain' -l 'contain' -s 'c' -d 'Bind neither $HOME nor the current directory; give the container a private /tmp.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" no-home' -l 'no-home' -d 'Do not bind $HOME.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" pwd' -l 'pwd' -d 'Working directory inside.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" unpack' -l 'unpack' -d 'Unpack the image into a private tmpfs instead of mounting it with FUSE (done by itself when FUSE is not usable).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" nv' -l 'nv' -d 'Bring in the host\'s NVIDIA driver (libraries, nvidia-smi); GPUs Slurm allocated stay the visible ones.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" v verbose' -l 'verbose' -s 'v' -d 'Say on standard error what is done to start the container (the mounts, the image, the init) and when.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run"' -l 'unshare' -d 'Give the container namespaces of its own: net (only loopback), ipc, uts.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" join' -l 'join' -d 'Share one container with every `vessel exec` of yours on this node given the same KEY and options: the first starts it, the others join it (one user, mount and PID space: MPI\'s shared memory and CMA work between them). Under srun, the tasks of a step do this by themselves.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" no-join' -l 'no-join' -d 'Under srun, give this task a container of its own instead of sharing the step\'s.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" overlay' -l 'overlay' -d 'Keep what the container writes in DIR (made if missing, yours alone): the root is writable, and a later start with the same image and DIR sees it all again.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" save' -l 'save' -d 'When the container ends, write its root (the image and what was written to it) as a new image FILE, with provenance naming the image it came from. Implies a writable root.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell"' -l 'bind' -s 'B' -d 'Bind a host path: SRC[:DST[:ro|rw]] (repeatable). A missing SRC is an error.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell"' -l 'env' -d 'Set a variable inside (repeatable); wins over the image and the host.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell"' -l 'env-file' -d 'Read NAME=VALUE lines from a file (repeatable).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" cleanenv e' -l 'cleanenv' -s 'e' -d 'Pass no host variables but HOME, USER, LOGNAME, TERM, LANG, TZ and DISPLAY.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" fakeroot' -l 'fakeroot' -d 'Be root inside (uid 0, mapped to you outside: files you create are yours).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" writable-tmpfs' -l 'writable-tmpfs' -d 'Let the container write anywhere; the writes vanish when it exits.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" c contain' -l 'contain' -s 'c' -d 'Bind neither $HOME nor the current directory; give the container a private /tmp.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" no-home' -l 'no-home' -d 'Do not bind $HOME.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" pwd' -l 'pwd' -d 'Working directory inside.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" unpack' -l 'unpack' -d 'Unpack the image into a private tmpfs instead of mounting it with FUSE (done by itself when FUSE is not usable).'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" nv' -l 'nv' -d 'Bring in the host\'s NVIDIA driver (libraries, nvidia-smi); GPUs Slurm allocated stay the visible ones.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" v verbose' -l 'verbose' -s 'v' -d 'Say on standard error what is done to start the container (the mounts, the image, the init) and when.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell"' -l 'unshare' -d 'Give the container namespaces of its own: net (only loopback), ipc, uts.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" join' -l 'join' -d 'Share one container with every `vessel exec` of yours on this node given the same KEY and options: the first starts it, the others join it (one user, mount and PID space: MPI\'s shared memory and CMA work between them). Under srun, the tasks of a step do this by themselves.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" no-join' -l 'no-join' -d 'Under srun, give this task a container of its own instead of sharing the step\'s.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" overlay' -l 'overlay' -d 'Keep what the container writes in DIR (made if missing, yours alone): the root is writable, and a later start with the same image and DIR sees it all again.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" save' -l 'save' -d 'When the container ends, write its root (the image and what was written to it) as a new image FILE, with provenance naming the image it came from. Implies a writable root.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel shell" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" gpus' -l 'gpus' -d 'GPUs per node.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" gpu-type' -l 'gpu-type' -d 'GPU types the job accepts (as the cluster\'s GRES names them); any when not given.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" N nodes' -s 'N' -l 'nodes' -d 'Nodes.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" tasks-per-node' -l 'tasks-per-node' -d 'Tasks on each node (more than one runs CMD through srun).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" c cpus-per-task' -s 'c' -l 'cpus-per-task' -d 'CPUs per task.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" mem' -l 'mem' -d 'Memory per node, as sbatch takes it (4000, 16G).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" t time' -s 't' -l 'time' -d 'Time limit, as sbatch takes it (90, 2:00:00, 1-12).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" p partition' -s 'p' -l 'partition' -d 'auto (every partition), or the partitions to choose from.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" a array' -s 'a' -l 'array' -d 'A job array for parameter sweeps (0-15, 1,3,5, 0-99%10); each task sees SLURM_ARRAY_TASK_ID.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" A account' -s 'A' -l 'account' -d 'The account to charge (checked against partitions\' AllowAccounts and DenyAccounts).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" qos' -l 'qos' -d 'Quality of service (sbatch -q).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" results' -l 'results' -d 'RESULTS_ROOT on a shared filesystem (default: results-root in vessel.conf, else ~/vessel-results).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" image' -l 'image' -d 'The image, for a SCRIPT without an #SBATCH --container-image line.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" J job-name' -s 'J' -l 'job-name' -d 'Job name (default: the command\'s name).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" o output' -s 'o' -l 'output' -d 'Standard output file, with sbatch\'s % patterns (default slurm-%j.out here).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" e error' -s 'e' -l 'error' -d 'Standard error file (default: with the output).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" dry-run' -l 'dry-run' -d 'Show the partitions considered, each with its verdict, reason and estimated start; submit nothing.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" json' -l 'json' -d 'Print the placement (and the job id) as JSON.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" q quiet' -l 'quiet' -s 'q' -d 'Print nothing but errors and the job id.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel submit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel jobs" all' -l 'all' -d 'Also jobs that have ended.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel jobs" json' -l 'json' -d 'Print JSON.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel jobs" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel jobs" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel results" results' -l 'results' -d 'RESULTS_ROOT, for jobs Slurm no longer knows (default: results-root in vessel.conf, else ~/vessel-results).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel results" wait' -l 'wait' -d 'Wait until the job has ended and its results are collected.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel results" timeout' -l 'timeout' -d 'Give up waiting after this many seconds.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel results" json' -l 'json' -d 'Print JSON.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel results" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel results" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel doctor" json' -l 'json' -d 'Print JSON for scripts.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel doctor" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel doctor" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel gateway" socket' -l 'socket' -d 'The socket to listen on when systemd passes none.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel gateway" cache' -l 'cache' -d 'The gateway\'s cache: a directory of its user\'s.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel gateway" conversions' -l 'conversions' -d 'Conversions at once; more requests wait.' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel gateway" max-bytes' -l 'max-bytes' -d 'The cache\'s size, past which the least recently used images go (e.g. 200G).' -rfka ''
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel gateway" version' -l 'version' -d 'Show the version.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel gateway" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vessel' -n '__vessel_should_offer_completions_for_flags_or_options "vessel help" version' -l 'version' -d 'Show the version.'
