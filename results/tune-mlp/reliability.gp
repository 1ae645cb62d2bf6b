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
    set terminal pngcairo size 1320,1600 font "sans,10" noenhanced
} else {
    set terminal svg size 1320,1600 font "sans,10" noenhanced background rgb "white"
}
set output "reliability." . fmt
set grid lc rgb '#dddddd' lt 1 lw 1
set multiplot layout 5,4 title "reliability, pooled over seeds (dashed: perfect calibration)"
set size ratio -1
set xrange [0:1]
set yrange [0:1]
set xtics 0.2
set ytics 0.2
unset key
set xlabel "confidence"
set ylabel "accuracy"
set title 'sgd-lr0.03 (ECE 0.1080)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 0 using 2:3 with linespoints lt 1 dt 1
set title 'sgd-lr0.1 (ECE 0.0310)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 1 using 2:3 with linespoints lt 2 dt 1
set title 'sgd-lr0.3 (ECE 0.0133)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 2 using 2:3 with linespoints lt 3 dt 1
set title 'sgd-lr1 (ECE 0.0221)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 3 using 2:3 with linespoints lt 4 dt 1
set title 'sgd-lr3 (ECE 0.0308)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 4 using 2:3 with linespoints lt 5 dt 1
set title 'sgd-lr10 (ECE 0.0078)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 5 using 2:3 with linespoints lt 6 dt 1
set title 'additive-lr0.03 (ECE 0.1090)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 6 using 2:3 with linespoints lt 7 dt 1
set title 'additive-lr0.1 (ECE 0.0314)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 7 using 2:3 with linespoints lt 8 dt 1
set title 'additive-lr0.3 (ECE 0.0116)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 8 using 2:3 with linespoints lt 1 dt 2
set title 'additive-lr1 (ECE 0.0215)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 9 using 2:3 with linespoints lt 2 dt 2
set title 'additive-lr3 (ECE 0.0267)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 10 using 2:3 with linespoints lt 3 dt 2
set title 'additive-lr10 (ECE 0.0070)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 11 using 2:3 with linespoints lt 4 dt 2
set title 'multiplicative-lr5 (ECE 0.1288)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 12 using 2:3 with linespoints lt 5 dt 2
set title 'multiplicative-lr10 (ECE 0.0686)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 13 using 2:3 with linespoints lt 6 dt 2
set title 'multiplicative-lr20 (ECE 0.0408)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 14 using 2:3 with linespoints lt 7 dt 2
set title 'multiplicative-lr40 (ECE 0.0256)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 15 using 2:3 with linespoints lt 8 dt 2
set title 'multiplicative-lr80 (ECE 0.1467)'
plot x with lines dt 2 lw 1 lc rgb '#777777', \
     'reliability.dat' index 16 using 2:3 with linespoints lt 1 dt 3
unset multiplot
set output
}
