# A sweep figure: metrics of a results directory's runs against one hyperparameter, from its
# runs.csv alone (which has a column per hyperparameter). One line per group (the runs whose
# GROUP column has that value): the mean over the ok seeds, each seed a point. Diverged runs
# have no metrics; the last panel counts them per x.
#
#   gnuplot -c plots/sweep.gp DIR X GROUP "G1 G2 ..." "M1 M2 ..." [log2|log10]
#
# writes DIR/sweep.png, DIR/sweep.svg and what their lines show, DIR/sweep.dat. X and GROUP
# are column names of runs.csv (e.g. mc_train and lr), G1... the group values as runs.csv
# writes them ("" for every value the column has, in increasing order), M1... the metric
# columns to draw (any numeric column: acc, bayes_nll, posterior_sd_median, invalid_updates,
# ...); log2 or log10 draws X on a log scale of that base. Example, from the repository's root:
#   gnuplot -c plots/sweep.gp results/sweep-mc-authors mc_train lr "50 20" "acc bayes_nll" log2
if (ARGC < 5) { print "usage: gnuplot -c sweep.gp DIR X GROUP \"G1 ...\" \"M1 ...\" [log2|log10]"; exit status 2 }
# The figures' shared palette and line styles, from beside this program.
load ARG0[1:strstrt(ARG0, "sweep.gp") - 1] . "style.gp"
dir = ARG1; xcol = ARG2; gcol = ARG3; groups = ARG4; metrics = ARG5
runs = dir . "/runs.csv"
if (groups eq "") {
    groups = system(sprintf("awk -F, -v g='%s' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == g) k = i; next } k { print $k }' '%s' | sort -gu | tr '\n' ' '", gcol, runs))
}
nm = words(metrics) + 1
ng = words(groups)
cols = nm <= 3 ? nm : (nm <= 4 ? 2 : 3)
rows = int((nm + cols - 1) / cols)
# Column col of every ok run, whatever its group.
all(col) = sprintf("< awk -F, -v y='%s' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c[\"status\"] == \"ok\" { print $c[y] }' '%s'", col, runs)
# The rows of group g as "x y" sorted by x (smooth unique averages equal x only when they are
# adjacent): y is column `col` of the ok runs, or 1/0 for "not ok" of every run when col is
# "not_ok".
rows(g, col) = sprintf("< awk -F, -v x='%s' -v g='%s' -v want='%s' -v y='%s' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c[g] == want { if (y == \"not_ok\") print $c[x], ($c[\"status\"] != \"ok\"); else if ($c[\"status\"] == \"ok\") print $c[x], $c[y] }' '%s' | sort -g", xcol, gcol, word(groups, g), col, runs)
label(m) = word(metrics, m) eq "invalid_updates" ? "clamped values (invalid_updates)" : \
           word(metrics, m) eq "posterior_sd_median" ? "median posterior sd" : \
           (word(metrics, m)[1:6] eq "bayes_" ? word(metrics, m)[7:] . " (model average)" : \
            word(metrics, m) eq "ood_auroc" ? "OOD AUROC (model average)" : \
            word(metrics, m) . " (point estimate)")
# Every panel spans every x of the sweep, also those where no run was ok.
stats sprintf("< awk -F, -v x='%s' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == x) k = i; next } k { print $k }' '%s'", xcol, runs) using 1 nooutput
xmin = STATS_min; xmax = STATS_max
# What the lines show, for reading and for tests: DIR/sweep.dat, one block per metric and
# group, "x mean" rows (gnuplot's table of the smoothed lines).
set table dir . "/sweep.dat"
do for [m = 1:nm - 1] {
    plot for [g = 1:ng] rows(g, word(metrics, m)) using 1:2 smooth unique \
        title sprintf("%s, %s %s", word(metrics, m), gcol, word(groups, g))
}
plot for [g = 1:ng] rows(g, "not_ok") using 1:2 smooth frequency \
    title sprintf("runs not ok, %s %s", gcol, word(groups, g))
unset table
do for [fmt in "pngcairo svg"] {
    if (fmt eq "svg") { set terminal svg size 420*cols, 330*rows + 40 font "sans,12" dynamic noenhanced } \
    else { set terminal pngcairo size 420*cols, 330*rows + 40 font "sans,10" noenhanced }
    set output dir . "/sweep." . (fmt eq "svg" ? "svg" : "png")
    set multiplot layout rows, cols title sprintf("%s: against %s; lines: mean over the ok " . \
        "seeds, points: seeds; one line per %s", dir[strstrt(dir, "/") + 1:], xcol, gcol)
    unset logscale x
    if (ARGC >= 6 && ARG6 eq "log2") { set logscale x 2 }
    if (ARGC >= 6 && ARG6 eq "log10") { set logscale x 10 }
    set xlabel xcol
    # The padding `set offsets` gives an autoscaled axis, by hand.
    logx = ARGC >= 6 && (ARG6 eq "log2" || ARG6 eq "log10")
    pad = xmax > xmin ? 0.05 * (xmax - xmin) : 1
    if (logx) { set xrange [xmin / 1.4:xmax * 1.4] } else { set xrange [xmin - pad:xmax + pad] }
    set grid
    set key top left box opaque
    # y spans the data (not whole decades on a log axis), padded by 5 %.
    set autoscale yfix
    set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
    do for [m = 1:nm - 1] {
        set title label(m)
        unset logscale y
        set ytics autofreq
        set format y "% h"
        # Values spanning more than a factor 5 (a collapsed run's NLL of 2.3 next to 0.15, a
        # posterior sd that grows tenfold) go on a log axis, with tics every fifth of the span
        # (a log axis has none inside a decade).
        stats all(word(metrics, m)) using 1 nooutput
        if (STATS_records > 0 && STATS_min > 0 && STATS_max > 5 * STATS_min) {
            set logscale y
            set ytics STATS_min, (STATS_max / STATS_min) ** 0.2
            set format y "%.3g"
        }
        plot for [g = 1:ng] rows(g, word(metrics, m)) using 1:2 smooth unique with lines lw 2 \
                 lt g title sprintf("%s %s", gcol, word(groups, g)), \
             for [g = 1:ng] rows(g, word(metrics, m)) using 1:2 with points pt 7 ps 0.6 lt g \
                 notitle
    }
    set title "runs that diverged or failed"
    unset logscale y
    set ytics autofreq
    set format y "% h"
    set yrange [0:*]
    plot for [g = 1:ng] rows(g, "not_ok") using 1:2 smooth frequency with linespoints lw 2 \
        lt g pt 6 title sprintf("%s %s", gcol, word(groups, g))
    set yrange [*:*]
    unset multiplot
    unset output
}
