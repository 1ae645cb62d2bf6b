# Reliability diagrams: per confidence bin, mean confidence vs accuracy, pooled over seeds (count-weighted); empty bins omitted.
# Data: reliability.dat. Redraw reliability.png and reliability.svg: gnuplot reliability.gp (in this directory).
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
    set terminal pngcairo size 1000,360 font "sans,10" noenhanced
} else {
    set terminal svg size 1000,360 font "sans,10" noenhanced background rgb "white"
}
set output "reliability." . fmt
set grid lc rgb '#dddddd' lt 1 lw 1
set multiplot layout 1,3 title "reliability, pooled over seeds (dashed: perfect calibration)"
set size ratio -1
set xrange [0:1]
set yrange [0:1]
set xtics 0.2
set ytics 0.2
unset key
set xlabel "confidence"
set ylabel "accuracy"
set title 'multiplicative-temperature0.006 (ECE 0.0079)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 0 using 2:3 with linespoints lt 1 dt 1
set title 'multiplicative-temperature0.0006 (ECE 0.0092)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 1 using 2:3 with linespoints lt 2 dt 1
set title 'multiplicative-temperature0.06 (ECE 0.0088)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 2 using 2:3 with linespoints lt 3 dt 1
unset multiplot
set output
}
