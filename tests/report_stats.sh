#!/usr/bin/env bash
# report_stats.sh - the report's comparisons (P(A>B) with its bootstrap interval, the Wilcoxon
# test paired by seed, Noether's runs, the decision), test-set floors, disagreement, expected best
# of k and per-class recall, every number recomputed from the results file with numpy/scipy
# (tests/helpers/check_report_stats.py, which also checks that CSV and text carry the JSON's
# numbers). On a real sweep (3 training sets x 6 seeds), on h5py-edited copies for the edge cases
# (ties across arms and in |d| with half ranks: scipy's exact path; zero differences: its normal
# approximation; every difference zero: no test, P = 0.5 and no runs needed; a diverged run and
# pending runs left out and unpaired; one run only: no interval, too few runs; clear winners
# both ways), and on a 55-seed sweep (more than 50 pairs: the approximation).
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 16 40 || { fail "report stats fixture: synth failed"; finish; }
sed -i -e 's/^train  = .*/train  = fly1 fly2 fly3/' "$dir/job.ini"
"$SEEDSWEEP" run "$dir/job.ini" --threads 1 >"$dir/run.log" 2>&1
check "report stats: 3 x 6 sweep runs" [ $? = 0 ]

# check_file NAME WHAT ASSERTS: JSON, CSV and text of $dir/NAME.h5, the numpy/scipy check, then the ASSERTS
# (python on the JSON) that show the edge case was reached
check_file() {
    local name=$1 what=$2 asserts=$3
    for f in json csv text; do
        "$SEEDSWEEP" report "$dir/$name.h5" --format $f >"$dir/$name.$f" 2>"$dir/$name.$f.err" ||
            { fail "report stats $name: report --format $f failed: $(head -c 300 "$dir/$name.$f.err")"; return; }
    done
    "$PY" "$ROOT/tests/helpers/check_report_stats.py" "$dir/$name.h5" "$dir/$name.json" "$dir/$name.csv" \
        "$dir/$name.text" >"$dir/$name.log" 2>&1
    if [ "$(grep -c . "$dir/$name.log")" = 1 ] && grep -q "^ok " "$dir/$name.log"; then
        pass "report stats $name: $what: every number as numpy/scipy computes it, CSV and text the same ($(cat "$dir/$name.log"))"
    else
        fail "report stats $name: $what: $(head -c 1500 "$dir/$name.log")"
    fi
    if [ -n "$asserts" ]; then
        if "$PY" -c "$asserts" "$dir/$name.json" >"$dir/$name.assert" 2>&1; then pass "report stats $name: $(cat "$dir/$name.assert")"
        else fail "report stats $name: $(tail -c 600 "$dir/$name.assert")"; fi
    fi
}

# edit NAME PYTHON: a copy of the real file edited with h5py (f: the file; tasks 0-5 train fly1,
# 6-11 fly2, 12-17 fly3, seed = task % 6; datasets fly1 0, fly2 1, fly3 2)
edit() {
    cp "$dir/results.h5" "$dir/$1.h5"
    "$PY" -c "import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r+')
acc = f['accuracy'][()]
$2
f['accuracy'][...] = acc
f.close()" "$dir/$1.h5" || fail "report stats: editing $1 failed"
}

# the comparison of a and b on test, from the JSON
COMPARISON='import json, sys
r = json.load(open(sys.argv[1]))
def comparison(test, a, b):
    return next(c for c in r["comparisons"] if (c["test"], c["a"], c["b"]) == (test, a, b))
def spread(train, test):
    return next(s for s in r["spread"] if (s["train"], s["test"]) == (train, test))
'

check_file results "a real 3 x 6 sweep" "$COMPARISON
assert len(r['comparisons']) == 3 and all(c['paired_n'] == 6 for c in r['comparisons']), r['comparisons']
assert all(len(s['expected_max']) == 6 and s['disagreement'] is not None for s in r['spread'])
print('3 comparisons of 6 runs each, all paired; 6 spread entries with 6 expected maxima')"

# ties across the arms and in |d| (half ranks, no zero): scipy's exact distribution, R+ cut to an integer
edit ties "acc[0:6, 2] = [0.5625, 0.5, 0.625, 0.6875, 0.75, 0.8125]
acc[6:12, 2] = [0.5, 0.5625, 0.5, 0.5, 0.5, 0.5]"
check_file ties "ties, half ranks" "$COMPARISON
c = comparison('fly3', 'fly1', 'fly2')
assert c['paired_n'] == 6 and abs(c['p_a_beats_b'] - 32 / 36) < 1e-6 and abs(c['wilcoxon_p'] - 0.09375) < 1e-9, c
print('P(A>B) = 32/36 with ties counted half; Wilcoxon p 0.09375 with R+ = 19.5 (scipy exact)')"

# zero differences: dropped, the normal approximation with the tie correction
edit zeros "acc[0:6, 2] = [0.5, 0.625, 0.75, 0.75, 0.875, 0.5]
acc[6:12, 2] = [0.5, 0.5, 0.75, 0.625, 0.5, 0.5625]"
check_file zeros "zero differences" "$COMPARISON
c = comparison('fly3', 'fly1', 'fly2')
assert c['paired_n'] == 6 and c['wilcoxon_p'] is not None and c['median_paired_diff'] == 0.0625, c
print('two zero differences of 6: p %.4g from the approximation on the other 4' % c['wilcoxon_p'])"

# every difference zero and the arms equal: no test, P = 0.5, no runs needed
edit allzero "acc[6:12, 2] = acc[0:6, 2]"
check_file allzero "every difference zero" "$COMPARISON
c = comparison('fly3', 'fly1', 'fly2')
assert c['wilcoxon_p'] is None and c['runs_needed'] is None and c['p_a_beats_b'] == 0.5 and c['median_paired_diff'] == 0, c
assert c['decision'] == 'no meaningful difference', c
print('wilcoxon_p and runs_needed null, P(A>B) 0.5, no meaningful difference')"

# a diverged run (its accuracy an artefact) and two pending runs: left out, their seeds unpaired
edit leftout "st = f['task_status'][()]
st[2] = 2; acc[2, :] = 0.99
loss = f['loss'][()]; loss[2, :] = np.nan; f['loss'][...] = loss
st[7] = 0; st[10] = 0
f['task_status'][...] = st"
check_file leftout "a diverged run and two pending runs" "$COMPARISON
c = comparison('fly3', 'fly1', 'fly2')
assert (c['n_a'], c['n_b'], c['paired_n']) == (5, 4, 3), c
assert max(spread('fly1', 'fly3')['expected_max']) < 0.99 and spread('fly1', 'fly3')['n'] == 5
print('n_a 5, n_b 4, paired 3; the diverged run counts nowhere (not in the expected maximum)')"

# one run only in an arm: P(A>B) but no interval, too few runs; no disagreement, one expected maximum
edit onerun "st = f['task_status'][()]
st[7:12] = 0
f['task_status'][...] = st"
check_file onerun "one run only" "$COMPARISON
c = comparison('fly3', 'fly1', 'fly2')
assert c['n_b'] == 1 and c['p_low'] is None and c['p_high'] is None and c['decision'] == 'too few runs', c
assert c['p_a_beats_b'] is not None and c['paired_n'] == 1, c
s = spread('fly2', 'fly3')
assert s['n'] == 1 and s['disagreement'] is None and len(s['expected_max']) == 1 and s['std_over_binomial'] is None, s
print('one fly2 run: no interval, too few runs, no disagreement, 1 expected maximum')"

# clear winners both ways: fly1 over fly2 on fly3 (a better), fly2 under fly3 on fly1 (b better)
edit winners "acc[0:6, 2] = 0.9 + np.arange(6) / 64
acc[6:12, 2] = 0.5 + np.arange(6) / 64
acc[6:12, 0] = 0.5
acc[12:18, 0] = 0.8"
check_file winners "clear winners" "$COMPARISON
c = comparison('fly3', 'fly1', 'fly2')
assert c['p_a_beats_b'] == 1 and c['p_low'] == 1 and c['decision'] == 'a better' and c['runs_needed'] == 8, c
assert abs(c['wilcoxon_p'] - 0.03125) < 1e-9, c
d = comparison('fly1', 'fly2', 'fly3')
assert d['p_a_beats_b'] == 0 and d['p_high'] == 0 and d['decision'] == 'b better' and abs(d['wilcoxon_p'] - 0.03125) < 1e-9, d
print('fly1 over fly2 on fly3: P 1, a better, 8 runs needed, exact p 1/32; fly2 under fly3 on fly1 (6 equal differences): b better')"

# more than 50 pairs: the normal approximation (the real accuracies of a 55-seed sweep)
sed -e 's/^seeds  = .*/seeds  = 0-54/' -e 's/^train  = .*/train  = fly1 fly2/' -e "s#^output = .*#output = $dir/many.h5#" \
    "$dir/job.ini" >"$dir/many.ini"
"$SEEDSWEEP" run "$dir/many.ini" --threads 1 >"$dir/many.log" 2>&1
check "report stats: 2 x 55 sweep runs" [ $? = 0 ]
check_file many "55 seeds per arm" "$COMPARISON
c = comparison('fly3', 'fly1', 'fly2')
assert c['n_a'] == 55 and c['paired_n'] == 55, c
print('55 pairs: p %s' % c['wilcoxon_p'])"

# the figure draws the report's comparisons and expected-max curves
"$PY" "$ROOT/scripts/plot_results.py" "$dir/results.h5" -o "$dir/fig.png" --report "$dir/results.json" >"$dir/plot.log" 2>&1
check "report stats: plot_results.py --report draws 3 comparisons and 6 expected-max curves" \
    grep -q "fig-compare.png: 3 comparisons, 6 expected-max curves" "$dir/plot.log"
check "report stats: the comparisons figure is a PNG" "$PY" -c "import sys; sys.exit(open(sys.argv[1], 'rb').read(8) != b'\x89PNG\r\n\x1a\n')" "$dir/fig-compare.png"

# the report is reproducible: the bootstrap's seed is fixed
"$SEEDSWEEP" report "$dir/results.h5" --format json >"$dir/again.json"
check "report stats: a second report is byte-identical (fixed bootstrap seed)" cmp -s "$dir/results.json" "$dir/again.json"
finish
