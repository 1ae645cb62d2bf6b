# Reliability diagrams of the model average (the predictive mean over mc_test samples of q;
# one sample for a point mass such as sgd), one panel per variant: per confidence bin, the
# mean confidence against the accuracy, pooled over the variant's ok seeds (count-weighted),
# and as bars the number of predictions in the bin (right axis, log scale: a bin of a few
# predictions, whose accuracy is noise, shows as a short bar). Reads reliability.csv and
# runs.csv; run it in the results directory: gnuplot reliability.gp
load "style.gp"
data_file = "reliability.csv"
load "runs.gp"
stats data_file using "bin" nooutput
bins = int(STATS_max) + 1
# Per variant k and bin b, over the ok seeds: the predictions, and the sums of count ×
# confidence and count × accuracy.
at2(k, b) = (k - 1) * bins + int(b) + 1
array n[nv * bins]; array sc[nv * bins]; array sa[nv * bins]
do for [i = 1:nv * bins] { n[i] = 0; sc[i] = 0; sa[i] = 0 }
stats data_file using (v = strcol("variant"), c = real(strcol("count")), \
    skip(v, strcol("seed")) || !(c > 0) || !finite(real(strcol("conf"))) ? 0 : \
    (i = at2(at(v), column("bin")), n[i] = n[i] + c, sc[i] = sc[i] + c * column("conf"), \
     sa[i] = sa[i] + c * column("acc")), 0) nooutput
array total[nv]; array ece[nv]
do for [k = 1:nv] {
    total[k] = 0; ece[k] = 0
    do for [b = 0:bins - 1] { i = at2(k, b); total[k] = total[k] + n[i]; ece[k] = ece[k] + abs(sa[i] - sc[i]) }
    ece[k] = total[k] > 0 ? ece[k] / total[k] : NaN
}
conf(k, b) = n[at2(k, b)] > 0 ? sc[at2(k, b)] / n[at2(k, b)] : 1/0
acc(k, b) = n[at2(k, b)] > 0 ? sa[at2(k, b)] / n[at2(k, b)] : 1/0
cols = nv <= 3 ? nv : (nv == 4 ? 2 : (nv <= 9 ? 3 : 4))
rows = ceil(nv * 1.0 / cols)
do for [fmt in "png svg"] {
    reset
    eval terminal(fmt, 40 + 340 * cols, 60 + 330 * rows)
    set output output("reliability", fmt)
    set datafile nocolumnheaders  # else the first sample of "+" would be taken as a header
    set multiplot layout rows, cols title "reliability of the model average, pooled over the " . \
        "ok seeds (dashed: perfect calibration; bars: predictions per bin, right axis)"
    set grid lc rgb grid_colour lt 1 lw 1
    set size ratio -1
    set xrange [0:1]; set yrange [0:1]
    set xtics 0.2; set ytics 0.2 nomirror
    set logscale y2; set y2tics format "%.0f"; set y2label "predictions"
    set xlabel "confidence"; set ylabel "accuracy"
    set style fill solid 0.25 noborder
    unset key
    do for [k = 1:nv] {
        set title word(names, k) . (total[k] > 0 ? sprintf(" (pooled ECE %.4f)", ece[k]) : "") . \
            (note(k) eq "" ? "" : "\n" . note(k)[3:strlen(note(k)) - 1])
        set y2range [1:total[k] > 0 ? total[k] * 3 : 10]
        if (total[k] == 0) { set label 1 "no ok run" at 0.5, 0.5 center } else { unset label 1 }
        plot x with lines dt 2 lw 1 lc rgb "#777777", \
             [b = 0:bins - 1:1] "+" using ((b + 0.5) / bins):(n[at2(k, b)] > 0 ? n[at2(k, b)] : 1/0):(0.9 / bins) \
                 axes x1y2 with boxes lc rgb colour[(k - 1) % 8 + 1], \
             [b = 0:bins - 1:1] "+" using (conf(k, b)):(acc(k, b)) with linespoints lt k
    }
    unset multiplot
    unset output
}
