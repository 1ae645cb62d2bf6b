# Reliability diagrams of the model average (the predictive mean over mc_test samples of q;
# one sample for a point mass such as sgd), one panel per variant: per confidence bin, the
# mean confidence against the accuracy, pooled over the variant's ok seeds (count-weighted),
# and as bars the number of predictions in each bin (right axis, log scale: a bin of a few
# predictions, whose accuracy is noise, shows as a short bar). Reads reliability.dat
# (written by blr from reliability.csv and runs.csv); run it in the results directory:
# gnuplot reliability.gp
load "style.gp"
stats "reliability.dat" index 0 using 0 nooutput
n = STATS_records
array name[n]; array runs[n]; array ok[n]; array diverged[n]; array ece[n]; array total[n]
stats "reliability.dat" index 0 using (k = int($0) + 1, name[k] = strcol(1), runs[k] = $2, \
    ok[k] = $3, diverged[k] = $4, ece[k] = $5, total[k] = $6, bins = $7, 0) nooutput
cols = n <= 3 ? n : (n == 4 ? 2 : (n <= 9 ? 3 : 4))
rows = ceil(n * 1.0 / cols)
note(k) = (diverged[k] > 0 ? sprintf("\ndiverged: %d/%d seeds", diverged[k], runs[k]) : "") . \
    (ok[k] == 0 && runs[k] > 0 ? " (nothing to draw)" : "")
do for [fmt in "png svg"] {
    reset
    eval terminal(fmt, 40 + 340 * cols, 60 + 330 * rows)
    set output output("reliability", fmt)
    set multiplot layout rows, cols title "reliability of the model average, pooled over the " . \
        "ok seeds (dashed: perfect calibration; bars: predictions per bin, right axis)"
    set grid lc rgb grid_colour lt 1 lw 1
    set size ratio -1
    set xrange [0:1]; set yrange [0:1]; set y2range [0:1]
    set xtics 0.2; set ytics 0.2 nomirror; set y2tics format "%.0f"; set y2label "predictions"
    set logscale y2
    set xlabel "confidence"; set ylabel "accuracy"
    set style fill solid 0.25 noborder
    unset key
    do for [k = 1:n] {
        set title name[k] . sprintf(" (ECE %.4f)", ece[k]) . note(k)
        if (total[k] > 0) {
            set y2range [1:total[k] * 3]
            plot "reliability.dat" index k using (($1 + 0.5) / bins):4:(0.9 / bins) \
                     axes x1y2 with boxes lc rgb colour[(k - 1) % 8 + 1], \
                 x with lines dt 2 lw 1 lc rgb "#777777", \
                 "reliability.dat" index k using 2:3 with linespoints lt k
        } else {
            set y2range [1:10]
            set label 1 "no ok run" at 0.5, 0.5 center
            plot x with lines dt 2 lw 1 lc rgb "#777777"
            unset label 1
        }
    }
    unset multiplot
    unset output
}
