#!/bin/sh
# Runs each fuzz target in turn from prebuilt binaries (build first: cargo fuzz build -O).
# Usage: fuzz/run-all.sh RUNS [TARGET...]   (from the crate root; logs in fuzz/work/logs)
# New inputs go to fuzz/work/<target>; merge them into fuzz/corpus with `cargo fuzz cmin`.
set -u
runs=${1:-10000000}
shift
bin=fuzz/target/x86_64-unknown-linux-gnu/release
targets=${*:-$(ls fuzz/fuzz_targets | sed 's/\.rs$//')}
mkdir -p fuzz/work/logs
for t in $targets; do
    mkdir -p "fuzz/work/$t" "fuzz/artifacts/$t"
    start=$(date +%s)
    nice -n 19 "$bin/$t" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$t/" "fuzz/work/$t" "fuzz/corpus/$t" \
        > "fuzz/work/logs/$t.log" 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/work/logs/$t.log" | grep -o '[0-9]*$')
    eps=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "fuzz/work/logs/$t.log" | grep -o '[0-9]*$')
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "fuzz/work/logs/$t.log" | grep -o '[0-9]*$')
    found=$(ls "fuzz/artifacts/$t" | wc -l)
    corpus=$(ls "fuzz/work/$t" "fuzz/corpus/$t" | grep -vc ':$')
    echo "$t rc=$rc execs=${execs:-?} exec/s=${eps:-?} secs=$((end - start)) rss_mb=${rss:-?} artifacts=$found corpus_files=$corpus"
done
