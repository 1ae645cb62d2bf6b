# The ablation figure of the base distribution q0 (paper Sec. 5.2: "making q0 more
# heavy-tailed improves calibration"): per q0, the mean ± sd over the ok seeds of the NLL, the
# ECE and the OOD AUROC, of the model average where the experiment has it (its bayes_
# columns), else of the point estimate. Reads runs.csv; run it in the results directory:
# gnuplot ablation.gp
#
# Variants that differ only in Fisher scaling share a position: a name ending in "-fisher" or
# "-no-fisher" (how a `fisher: [false, true]` list expands; in experiments/ablation-q0.yaml
# the "-fisher" variants divide the steps by q0's Fisher constants, with their own tuned α1,
# α2) is drawn at the name without it, side by side; a variant without such a twin (uniform
# q0, whose Fisher information is infinite) in a third series.
load "style.gp"
set datafile separator comma; set datafile columnheaders
# The variants in runs.csv's order, as " a b ... "; at(v): v's place, from 1.
names = " "
stats "runs.csv" using (v = strcol("variant"), strstrt(names, " " . v . " ") ? 0 : \
    (names = names . v . " "), 0) nooutput
nv = words(names)
at(v) = words(names[1:strstrt(names, " " . v . " ")]) + 1
array name[nv]; array runs[nv]; array ok[nv]
do for [k = 1:nv] { name[k] = word(names, k); runs[k] = 0; ok[k] = 0 }
stats "runs.csv" using (k = at(strcol("variant")), runs[k] = runs[k] + 1, \
    ok[k] = ok[k] + (strcol("status") eq "ok"), 0) nooutput
# Per metric (NLL, ECE, OOD AUROC) the model average's column where runs.csv has it, else the
# point estimate's; per variant and metric the mean and the sample sd over the ok runs.
header = "," . system("head -n 1 runs.csv") . ","
array metric[3] = ["bayes_nll", "bayes_ece", "ood_auroc"]
array fallback[3] = ["nll", "ece", "ood_auroc"]
array has[3]; array mean[3 * nv]; array sd[3 * nv]; array s1[nv]; array s2[nv]; array cnt[nv]
do for [m = 1:3] {
    metric[m] = strstrt(header, "," . metric[m] . ",") ? metric[m] : fallback[m]
    has[m] = 0
    do for [k = 1:nv] { s1[k] = 0; s2[k] = 0; cnt[k] = 0 }
    if (strstrt(header, "," . metric[m] . ",")) {
        stats "runs.csv" using (k = at(strcol("variant")), x = strcol("status") eq "ok" ? \
            real(strcol(metric[m])) : NaN, x == x ? (s1[k] = s1[k] + x, s2[k] = s2[k] + x * x, \
            cnt[k] = cnt[k] + 1) : 0, 0) nooutput
    }
    do for [k = 1:nv] {
        i = (m - 1) * nv + k
        mean[i] = cnt[k] > 0 ? s1[k] / cnt[k] : NaN
        sd[i] = cnt[k] > 1 ? sqrt(abs(s2[k] - s1[k] ** 2 / cnt[k]) / (cnt[k] - 1)) : 0
        has[m] = has[m] || cnt[k] > 0
    }
}
if (!has[1] && !has[2] && !has[3]) {
    print "runs.csv: error: no column nll, ece or ood_auroc (or their bayes_ forms) with values"
    exit status 1
}
ends(s, t) = strlen(s) > strlen(t) && s[strlen(s) - strlen(t) + 1:] eq t
# Series 1: without Fisher scaling, 2: with it, 3: no twin; label: the name without suffix.
series(s) = ends(s, "-no-fisher") ? 1 : (ends(s, "-fisher") ? 2 : 3)
label(s) = series(s) == 1 ? s[1:strlen(s) - 10] : (series(s) == 2 ? s[1:strlen(s) - 7] : s)
# The positions, in order of first appearance, as " a b ... "; pos(s): 0, 1, ...
labels = " "
array in_series[3] = [0, 0, 0]
do for [k = 1:nv] {
    if (!strstrt(labels, " " . label(name[k]) . " ")) { labels = labels . label(name[k]) . " " }
    in_series[series(name[k])] = 1
}
np = words(labels)
pos(s) = words(labels[1:strstrt(labels, " " . label(s) . " ")])
array title[3] = ["without Fisher scaling", "with Fisher scaling (α tuned separately)", \
                  "no Fisher-scaled twin (e.g. uniform q0: infinite Fisher information)"]
# Without any Fisher twins (experiments that do not vary it) the series needs no name.
if (!in_series[1] && !in_series[2]) { title[3] = "" }
array offset[3] = [-0.12, 0.12, 0]
array what[3] = ["NLL (lower is better)", "ECE (lower is better)", "OOD AUROC (higher is better)"]
of(col) = col[1:6] eq "bayes_" || col eq "ood_auroc" ? "model average" : "point estimate"
# Under each q0, its runs that did not end ok.
array tick[np]
do for [p = 1:np] { tick[p] = word(labels, p) }
do for [k = 1:nv] {
    if (ok[k] < runs[k]) {
        p = pos(name[k]) + 1
        tick[p] = tick[p] . sprintf("\n%s%d/%d diverged", series(name[k]) == 1 ? "unscaled runs:\n" : \
            (series(name[k]) == 2 ? "Fisher-scaled runs:\n" : ""), runs[k] - ok[k], runs[k])
    }
}
panels = has[1] + has[2] + has[3]
do for [fmt in "png svg"] {
    reset
    w = 120 + 140 * np
    eval terminal(fmt, w < 700 ? 700 : w, panels * 260 + 150)
    set output output("ablation", fmt)
    set datafile nocolumnheaders  # else the first sample of "+" would be taken as a header
    set multiplot layout panels, 1
    set grid lc rgb grid_colour lt 1 lw 1
    set xrange [-0.6:np - 0.4]
    set key outside top center horizontal Left reverse maxcols 1 \
        title "ablation of q0: mean ± sd over the ok seeds"
    set bmargin 5
    set xtics nomirror ()
    do for [p = 1:np] { set xtics add (tick[p] p - 1) }
    do for [m = 1:3] {
        if (has[m]) {
            lo = 1e300; hi = -1e300
            do for [k = 1:nv] {
                i = (m - 1) * nv + k
                if (mean[i] == mean[i]) {
                    lo = mean[i] - sd[i] < lo ? mean[i] - sd[i] : lo
                    hi = mean[i] + sd[i] > hi ? mean[i] + sd[i] : hi
                }
            }
            set ytics nice(hi > lo ? hi - lo : 1)
            set title what[m] . ", " . of(metric[m]) . " (" . metric[m] . ")"
            plot for [s = 1:3] [k = 1:nv:1] "+" using \
                (series(name[k]) == s ? pos(name[k]) + offset[s] : 1/0):(mean[(m - 1) * nv + k]):(sd[(m - 1) * nv + k]) \
                with yerrorbars lt s dt solid pt marker[s] ps 1.3 title (in_series[s] ? title[s] : "")
            unset key
        }
    }
    unset multiplot
    unset output
}
