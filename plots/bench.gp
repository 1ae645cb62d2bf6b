# The bench figure (blr bench --suite, the README's performance section): median ms per
# optimizer step with one MC sample, split into sampling, forward+backward and the update at
# batch 128, and against the batch size, next to the sgemm bound of one forward+backward.
# Reads bench.csv; run it in the results directory: gnuplot bench.gp
load "style.gp"
csv = "set datafile separator comma; set datafile columnheaders"
eval csv
ref_batch = 128
# The methods in bench.csv's order, as " a b ... "; idx(m): m's place in it.
methods = " "
stats "bench.csv" using (m = strcol(1), strstrt(methods, " " . m . " ") ? 0 : (methods = methods . m . " "), 0) nooutput
n = words(methods)
idx(m) = words(methods[1:strstrt(methods, " " . m . " ")]) + 1
# The header and method m's one-sample rows: a row left out in `using` (1/0) would still
# break the line.
rows(m) = sprintf("< awk -F, 'NR == 1 || ($1 == \"%s\" && $3 == 1)' bench.csv", m)
at_ref(v) = $2 == ref_batch && $3 == 1 ? v : 1/0
stats "bench.csv" using (at_ref($11)) nooutput
bound = STATS_max
do for [fmt in "png svg"] {
    reset
    eval csv
    eval terminal(fmt, 1150, 500)
    set output output("bench", fmt)
    set multiplot layout 1, 2
    set grid lc rgb grid_colour lt 1 lw 1
    set title sprintf("batch %d, one MC sample (grey line: sgemm bound, %.2f ms)", ref_batch, bound)
    set ylabel "ms per step"
    set xrange [-0.6:n - 0.4]; set yrange [0:*]
    set xtics nomirror rotate by -35 ()
    do for [k = 1:n] { set xtics add (word(methods, k) k - 1) }
    set key top left
    set style fill solid 0.8 border -1
    # Stacked bars: sampling, then forward+backward, then the update on top.
    plot "bench.csv" using (at_ref(idx(strcol(1)) - 1)):($7 / 2):(0.35):($7 / 2) \
             with boxxyerror lt 1 dt solid title "sample", \
         "" using (at_ref(idx(strcol(1)) - 1)):($7 + $8 / 2):(0.35):($8 / 2) \
             with boxxyerror lt 2 dt solid title "forward+backward", \
         "" using (at_ref(idx(strcol(1)) - 1)):($7 + $8 + $9 / 2):(0.35):($9 / 2) \
             with boxxyerror lt 3 dt solid title "update", \
         bound with lines lc rgb "#80666666" dt solid lw 5 notitle
    set title "one MC sample, against the batch size"
    set xlabel "batch size"; unset ylabel
    set logscale xy
    set xrange [24:680]; set yrange [*:*]
    set autoscale yfix; set offsets 0, 0, graph 0.05, graph 0.05
    set ytics (0.5, 1, 2, 5, 10, 20, 50) format "%g"
    set xtics norotate (32, 128, 512)
    set key outside right top
    plot for [k = 1:n] rows(word(methods, k)) using 2:6 with linespoints lt k lw width(k, n) \
             title word(methods, k), \
         rows(word(methods, 1)) using 2:11 with lines lc rgb "#80666666" dt solid lw 5 title "sgemm bound"
    unset multiplot
    unset output
}
