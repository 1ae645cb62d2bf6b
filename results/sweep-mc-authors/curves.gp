# The curves figure: per epoch, the NLL and accuracy of the point estimate (the mean of q) on
# the test set (or the validation split) and the median posterior sd of q; lines: means over
# each variant's ok seeds, bands: ±1 sd (sample sd; 0 with one seed). Runs that diverged stay
# out of the means and are counted in the key. Reads curves.csv and runs.csv; run it in the
# results directory: gnuplot curves.gp
load "style.gp"
data_file = "curves.csv"
load "runs.gp"
stats data_file using "epoch" nooutput
epochs = int(STATS_max)
scored = system("grep -qs '\"scored_on\": \"[^\"]*validation' manifest.json && echo validation || echo test")
array column_of[3] = ["nll", "acc", "posterior_sd_median"]
array title[3] = [scored . " NLL of the point estimate", scored . " accuracy of the point estimate", \
                  "median posterior sd of q"]
array ylabel[3] = ["NLL (nats)", "accuracy (%)", "sd"]
array scale[3] = [1, 100, 1]
# Per panel q, variant k and epoch e: sums over the ok seeds' values, for means and sds.
# (Results from before curves.csv had posterior_sd_median have no sd panel.)
header = "," . system("head -n 1 curves.csv") . ","
at3(q, k, e) = ((q - 1) * nv + k - 1) * epochs + e
array s1[3 * nv * epochs]; array s2[3 * nv * epochs]; array cnt[3 * nv * epochs]
array shown[3]
do for [i = 1:3 * nv * epochs] { s1[i] = 0; s2[i] = 0; cnt[i] = 0 }
do for [q = 1:3] {
    shown[q] = 0
    if (strstrt(header, "," . column_of[q] . ",")) {
        stats data_file using (v = strcol("variant"), x = real(strcol(column_of[q])), \
            skip(v, strcol("seed")) || !finite(real(strcol("nll"))) || !finite(x) || (q == 3 && x <= 0) ? 0 : \
            (i = at3(q, at(v), int(column("epoch"))), s1[i] = s1[i] + x, s2[i] = s2[i] + x * x, \
             cnt[i] = cnt[i] + 1, shown[q] = 1), 0) nooutput
    }
}
mean(q, k, e) = cnt[at3(q, k, e)] > 0 ? scale[q] * s1[at3(q, k, e)] / cnt[at3(q, k, e)] : 1/0
sd(q, k, e) = (i = at3(q, k, e), cnt[i] > 1 ? \
    scale[q] * sqrt(abs(s2[i] - s1[i] ** 2 / cnt[i]) / (cnt[i] - 1)) : 0)
# On a log axis the band's lower edge stays above 0.
lo(q, k, e) = log_y[q] && mean(q, k, e) <= sd(q, k, e) ? mean(q, k, e) / 10 : mean(q, k, e) - sd(q, k, e)
label(k) = word(names, k) . note(k) . (runs[k] > 0 && ok[k] == 0 ? ", no curve" : "")
# A panel of NLL or posterior sd whose means span more than a factor 5 (a collapsed run's
# NLL of 25 next to 0.3, a point mass's sd next to a learned one) gets a log axis, so that
# the others stay apart.
array log_y[3]
do for [q = 1:3] {
    lo_q = 1e300; hi_q = 0
    do for [k = 1:nv] {
        do for [e = 1:epochs] {
            i = at3(q, k, e)
            if (cnt[i] > 0) { m = s1[i] / cnt[i]; lo_q = m < lo_q ? m : lo_q; hi_q = m > hi_q ? m : hi_q }
        }
    }
    log_y[q] = q != 2 && lo_q > 0 && hi_q > 5 * lo_q
}
# Point masses (sgd) have no posterior sd to draw on a log axis; the panel's title says so.
point_masses = ""
do for [k = 1:nv] {
    nll_k = 0; sd_k = 0
    do for [e = 1:epochs] { nll_k = nll_k + cnt[at3(1, k, e)]; sd_k = sd_k + cnt[at3(3, k, e)] }
    if (nll_k > 0 && sd_k == 0) { point_masses = point_masses . (point_masses eq "" ? "" : ", ") . word(names, k) }
}
if (point_masses ne "") { title[3] = title[3] . " (sd 0, not drawn: " . point_masses . ")" }
np = shown[1] + shown[2] + shown[3]
width_px = np == 1 ? 700 : 500 * np
key_cols = nv < int(width_px / 420) ? nv : (width_px < 840 ? 1 : int(width_px / 420))
key_rows = ceil(nv * 1.0 / key_cols)
height = 400 + 18 * key_rows
bottom = (80.0 + 18 * key_rows) / height
# Markers every few epochs, each variant's at other epochs than its neighbours', so that lines
# drawn on top of each other still show every variant.
min(a, b) = a < b ? a : b
max(a, b) = a > b ? a : b
every = max(max(int(epochs / 8), 1), min(nv, int(epochs / 3)))
marked(k, e) = (int(e) - k) % every == 0
do for [fmt in "png svg"] {
    reset
    eval terminal(fmt, width_px, height)
    set output output("curves", fmt)
    set datafile nocolumnheaders  # else the first sample of "+" would be taken as a header
    set multiplot layout 1, np title "per epoch: lines, the mean over the ok seeds; bands, ±1 sd" \
        margins 0.07, 0.98, bottom, 1 - 80.0 / height spacing 0.085, 0
    set grid lc rgb grid_colour lt 1 lw 1
    set xlabel "epoch"
    set xrange [1:epochs > 1 ? epochs : 2]
    if (epochs <= 12) { set xtics 1 }
    # Hundreds of epochs (linear regression runs thousands): the first ones, where the
    # curves move, get the room.
    if (epochs > 200) { set logscale x; set xtics 10 format "%g" }
    unset key
    do for [q = 1:3] {
        if (shown[q]) {
            set title title[q]
            set ylabel ylabel[q]
            unset logscale y
            set autoscale y
            set ytics autofreq format "% h"
            set offsets 0, 0, 0, 0
            # A line on a decade is padded off the log axis' edge.
            if (log_y[q]) {
                set logscale y; set autoscale yfix; set offsets 0, 0, graph 0.05, graph 0.05
                # A log axis labels only its decades; 2 and 5 between them give a reader more.
                set ytics 10 format "%g"
                do for [d = -4:4] { set ytics add (2 * 10 ** d, 5 * 10 ** d) }
                set ylabel ylabel[q] . " (log scale)"
            }
            plot for [k = 1:nv] [e = 1:epochs:1] "+" using (e):(lo(q, k, e)):(mean(q, k, e) + sd(q, k, e)) \
                     with filledcurves fs transparent solid band_opacity noborder lt k notitle, \
                 for [k = 1:nv] [e = 1:epochs:1] "+" using (e):(mean(q, k, e)) with lines \
                     lt k lw width(k, nv) notitle, \
                 for [k = 1:nv] [e = 1:epochs:1] "+" using (e):(marked(k, e) ? mean(q, k, e) : 1/0) \
                     with points lt k notitle
        }
    }
    # The key: a strip of its own under the panels, as wide as the figure, that covers no data.
    set margins at screen 0.01, at screen 0.99, at screen 0.01, at screen bottom - 60.0 / height
    unset border; unset tics; unset xlabel; unset ylabel; unset title; unset grid; unset logscale
    set xrange [0:1]; set yrange [0:1]
    set key center center horizontal maxcols key_cols samplen 4 width 2
    # Each entry a line at y = 2, outside the strip's [0:1]: only its sample in the key shows.
    plot for [k = 1:nv] 2 with linespoints lt k lw width(k, nv) title label(k)
    unset multiplot
    unset output
}
