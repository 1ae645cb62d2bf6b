# The ablation figure of the base distribution q0 (paper Sec. 5.2: "making q0 more
# heavy-tailed improves calibration"): per q0, the mean ± sd over the ok seeds of the NLL, the
# ECE and the OOD AUROC, of the model average where the experiment has it (its bayes_
# columns), else of the point estimate. A q0 run with and without Fisher scaling
# (experiments/ablation-q0.yaml: the "-fisher" variants divide the steps by q0's Fisher
# constants, with their own tuned α1, α2) is drawn twice, side by side. Reads ablation.dat
# (written by blr from runs.csv); run it in the results directory: gnuplot ablation.gp
load "style.gp"
array metric[3]; array has[3]
stats "ablation.dat" index 0 using (k = int($0) + 1, metric[k] = strcol(1), has[k] = int($2), 0) nooutput
stats "ablation.dat" index 1 using 0 nooutput
np = STATS_records
array label[np]; array ok[3 * np]; array runs[3 * np]; array in_series[3]
in_series[1] = 0; in_series[2] = 0; in_series[3] = 0
stats "ablation.dat" index 1 using (p = int($1) + 1, label[p] = strcol(2), \
    ok[p] = $3, runs[p] = $4, ok[np + p] = $5, runs[np + p] = $6, ok[2 * np + p] = $7, \
    runs[2 * np + p] = $8, in_series[1] = in_series[1] + $4, in_series[2] = in_series[2] + $6, \
    in_series[3] = in_series[3] + $8, 0) nooutput
array series[3] = ["without Fisher scaling", "with Fisher scaling (α tuned separately)", \
                   "no Fisher-scaled twin (e.g. uniform q0: infinite Fisher information)"]
array offset[3] = [-0.12, 0.12, 0]
array what[3] = ["NLL (lower is better)", "ECE (lower is better)", "OOD AUROC (higher is better)"]
# Which prediction a metric column scores.
of(col) = col[1:6] eq "bayes_" || col eq "ood_auroc" ? "model average" : "point estimate"
# Under each q0, the runs that did not end ok, per series.
not_ok(p, s) = runs[(s - 1) * np + p] - ok[(s - 1) * np + p]
note(p, s) = not_ok(p, s) > 0 ? sprintf("\n%s%d/%d diverged", s == 1 ? "unscaled runs:\n" : (s == 2 ? "Fisher-scaled runs:\n" : ""), \
    not_ok(p, s), runs[(s - 1) * np + p]) : ""
tick(p) = label[p] . note(p, 1) . note(p, 2) . note(p, 3)
panels = has[1] + has[2] + has[3]
do for [fmt in "png svg"] {
    reset
    w = 120 + 140 * np
    eval terminal(fmt, w < 700 ? 700 : w, panels * 260 + 150)
    set output output("ablation", fmt)
    set multiplot layout panels, 1
    set grid lc rgb grid_colour lt 1 lw 1
    set xrange [-0.6:np - 0.4]
    set key outside top center horizontal Left reverse maxcols 1 \
        title "ablation of q0: mean ± sd over the ok seeds"
    set bmargin 5
    set xtics nomirror ()
    do for [p = 1:np] { set xtics add (tick(p) p - 1) }
    do for [m = 1:3] {
        if (has[m]) {
            lo = 1e300; hi = -1e300
            stats "ablation.dat" index 2:4 using (u = column(1 + 2 * m), v = column(2 + 2 * m), \
                lo = u - v < lo ? u - v : lo, hi = u + v > hi ? u + v : hi, 0) nooutput
            set ytics nice(hi > lo ? hi - lo : 1)
            set title what[m] . ", " . of(metric[m]) . " (" . metric[m] . ")"
            plot for [s = 1:3] "ablation.dat" index s + 1 using ($1 + offset[s]):(column(1 + 2 * m)):(column(2 + 2 * m)) \
                with yerrorbars lt s dt solid pt marker[s] ps 1.3 title (in_series[s] > 0 ? series[s] : "")
            unset key
        }
    }
    unset multiplot
    unset output
}
