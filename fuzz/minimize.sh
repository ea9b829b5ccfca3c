#!/bin/sh
# Folds fuzz/work/<target> (new inputs from run-all.sh) into fuzz/corpus/<target>, keeping the
# smallest set that still covers every edge (libFuzzer set-cover merge without hit counters),
# so the committed corpora stay small. Usage: fuzz/minimize.sh TARGET...  (from the crate root)
set -eu
bin=fuzz/target/x86_64-unknown-linux-gnu/release
for t in "$@"; do
    out=fuzz/work/min-$t
    rm -rf "$out" && mkdir -p "$out" "fuzz/work/$t"
    nice -n 19 "$bin/$t" -set_cover_merge=1 -use_counters=0 -timeout=10 \
        "$out" "fuzz/corpus/$t" "fuzz/work/$t" > "fuzz/work/logs/minimize-$t.log" 2>&1
    rm -rf "fuzz/corpus/$t" && mv "$out" "fuzz/corpus/$t"
    echo "$t files=$(ls "fuzz/corpus/$t" | wc -l) bytes=$(cat "fuzz/corpus/$t"/* | wc -c)"
done
