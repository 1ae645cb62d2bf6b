# Median ms per optimizer step (blr bench --suite): parts at batch 128, and against the batch size, next to the sgemm bound.
# Data: bench.dat. Redraw bench.png and bench.svg: gnuplot bench.gp (in this directory).
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.7
set linetype 2 lc rgb '#D55E00' lw 2 pt 7 ps 0.7
set linetype 3 lc rgb '#009E73' lw 2 pt 7 ps 0.7
set linetype 4 lc rgb '#CC79A7' lw 2 pt 7 ps 0.7
set linetype 5 lc rgb '#E69F00' lw 2 pt 7 ps 0.7
set linetype 6 lc rgb '#56B4E9' lw 2 pt 7 ps 0.7
set linetype 7 lc rgb '#000000' lw 2 pt 7 ps 0.7
set linetype 8 lc rgb '#999999' lw 2 pt 7 ps 0.7
set linetype cycle 8
do for [fmt in "png svg"] {
reset
set encoding utf8
if (fmt eq "png") {
    set terminal pngcairo size 1100,480 font "sans,10" noenhanced
} else {
    set terminal svg size 1100,480 font "sans,10" noenhanced background rgb "white"
}
set output "bench." . fmt
set grid lc rgb '#dddddd' lt 1 lw 1
set multiplot layout 1,2
set title "batch 128, one MC sample (dashed: sgemm bound 1.23 ms)"
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by -35 nomirror
set ylabel "ms per step"
set yrange [0:*]
set key top left
plot 'bench.dat' index 0 using 2:xtic(1) title 'sample' lt 1, \
     '' index 0 using 3 title 'forward+backward' lt 2, \
     '' index 0 using 4 title 'update' lt 3, \
     1.2292 with lines dt 2 lc rgb 'black' lw 2 notitle
set style data linespoints
set xtics norotate (32, 128, 512)
set logscale xy
set xrange [24:680]
set yrange [*:*]
set title "one MC sample, against the batch size"
set xlabel "batch size"
set key outside right top
plot 'bench.dat' index 1 using 1:2 lt 1 dt 1 title 'sgd', \
     'bench.dat' index 2 using 1:2 lt 2 dt 1 title 'lie-additive', \
     'bench.dat' index 3 using 1:2 lt 3 dt 1 title 'lie-multiplicative', \
     'bench.dat' index 4 using 1:2 lt 4 dt 1 title 'lie-affine', \
     'bench.dat' index 5 using 1:2 lt 5 dt 1 title 'adam', \
     'bench.dat' index 6 using 1:2 lt 6 dt 1 title 'bbb', \
     'bench.dat' index 7 using 1:2 lt 7 dt 1 title 'blr', \
     'bench.dat' index 8 using 1:2 lt 8 dt 1 title 'vogn', \
     'bench.dat' index 9 using 1:2 lt 1 dt 2 title 'ivon', \
     'bench.dat' index 10 using 1:2 with lines dt 2 lc rgb 'black' lw 2 title 'sgemm bound'
unset multiplot
set output
}
