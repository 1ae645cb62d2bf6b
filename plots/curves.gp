# The curves figure: per epoch, the NLL and accuracy of the point estimate (the mean of q) on
# the test set (or the validation split) and the median posterior sd of q; lines: means over
# each variant's ok seeds, bands: ±1 sd. Runs that diverged stay out of the means and are
# counted in the key. Reads curves.dat (written by blr from curves.csv and runs.csv); run it
# in the results directory: gnuplot curves.gp
load "style.gp"
stats "curves.dat" index 0 using 0 nooutput
n = STATS_records
array name[n]; array runs[n]; array ok[n]; array diverged[n]
stats "curves.dat" index 0 using (k = int($0) + 1, name[k] = strcol(1), runs[k] = $2, \
    ok[k] = $3, diverged[k] = $4, has_acc = int($5), has_sd = int($6), scored = strcol(7), 0) nooutput
stats "curves.dat" index 1:n using 1 nooutput
epochs = STATS_max
label(k) = name[k] . (diverged[k] > 0 ? sprintf(" (diverged: %d/%d seeds)", diverged[k], runs[k]) : "") . \
    (runs[k] - ok[k] - diverged[k] > 0 ? sprintf(" (failed: %d/%d seeds)", runs[k] - ok[k] - diverged[k], runs[k]) : "") . \
    (runs[k] > 0 && ok[k] == 0 ? ", no curve" : "")
np = 1 + has_acc + has_sd
array title[3] = [scored . " NLL of the point estimate", scored . " accuracy of the point estimate", "median posterior sd of q"]
array ylabel[3] = ["NLL (nats)", "accuracy (%)", "sd (log scale)"]
array column[3] = [2, 5, 8]
array scale[3] = [1, 100, 1]
key_rows = ceil(n / 3.0)
bottom = (70.0 + 18 * key_rows) / 470
do for [fmt in "png svg"] {
    reset
    eval terminal(fmt, np == 1 ? 700 : 500 * np, 470)
    set output output("curves", fmt)
    set multiplot layout 1, np title "per epoch: lines, the mean over the ok seeds; bands, ±1 sd" \
        margins 0.07, 0.98, bottom, 0.88 spacing 0.07, 0
    set grid lc rgb grid_colour lt 1 lw 1
    set xlabel "epoch"
    if (epochs <= 12) { set xtics 1 }
    set key at screen 0.5, screen 0.01 center bottom horizontal samplen 4 width 2
    every = epochs > 8 ? int(epochs / 8) : 1
    do for [p = 1:3] {
        if (p == 1 || (p == 2 && has_acc) || (p == 3 && has_sd)) {
            c = column[p]; s = scale[p]
            set title title[p]
            set ylabel ylabel[p]
            unset logscale y
            set offsets 0, 0, 0, 0
            # On a log axis the band's lower edge stays above 0, and a line on a decade is
            # padded off the edge.
            if (p == 3) { set logscale y; set offsets 0, 0, graph 0.05, graph 0.05 }
            lo(m, sd) = p == 3 && m - sd <= 0 ? m / 10 : s * (m - sd)
            plot for [k = 1:n] "curves.dat" index k using 1:(lo(column(c), column(c + 1))):(s * (column(c) + column(c + 1))) \
                     with filledcurves fs transparent solid band_opacity noborder lt k notitle, \
                 for [k = 1:n] "curves.dat" index k using 1:(s * column(c)) with linespoints \
                     lt k lw width(k, n) pi every title label(k)
            unset key
        }
    }
    unset multiplot
    unset output
}
