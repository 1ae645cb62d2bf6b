# The variants of a results directory and their runs, for the figures' programs that read the
# CSV files themselves (curves.gp, reliability.gp, ablation.gp): set data_file (e.g.
# "curves.csv"), then load "runs.gp". Sets
#   names        " a b ... ": the variants in runs.csv's order, then those only in data_file
#   nv, at(v)    how many; variant v's place, from 1
#   runs[k], ok[k], diverged[k]   per variant, its runs in runs.csv and how they ended
#   skip(v, s)   true for a run of runs.csv that did not end ok (its rows stay out of the
#                means: a diverged seed's exploding NLL would stretch the axis and shift them)
#   csv          `eval csv` reads the CSV files by their header's column names
# Variant names must not contain spaces.
csv = "set datafile separator comma; set datafile columnheaders"
eval csv
has_runs = system("test -s runs.csv && echo 1 || echo 0") + 0
names = " "
add(v) = strstrt(names, " " . v . " ") ? 0 : (names = names . v . " ", 0)
if (has_runs) { stats "runs.csv" using (add(strcol("variant"))) nooutput }
stats data_file using (add(strcol("variant"))) nooutput
nv = words(names)
at(v) = words(names[1:strstrt(names, " " . v . " ")]) + 1
array runs[nv]; array ok[nv]; array diverged[nv]
do for [k = 1:nv] { runs[k] = 0; ok[k] = 0; diverged[k] = 0 }
not_ok = " "
if (has_runs) {
    stats "runs.csv" using (k = at(strcol("variant")), runs[k] = runs[k] + 1, \
        ok[k] = ok[k] + (strcol("status") eq "ok"), \
        diverged[k] = diverged[k] + (strcol("status") eq "diverged"), \
        strcol("status") eq "ok" ? 0 : (not_ok = not_ok . strcol("variant") . "/" . strcol("seed") . " "), 0) nooutput
}
skip(v, s) = strstrt(not_ok, " " . v . "/" . s . " ") > 0
# A variant's note for a key or a title: how many of its runs diverged or failed.
failed(k) = runs[k] - ok[k] - diverged[k]
note(k) = (diverged[k] > 0 ? sprintf(" (diverged: %d/%d seeds)", diverged[k], runs[k]) : "") . \
    (failed(k) > 0 ? sprintf(" (failed: %d/%d seeds)", failed(k), runs[k]) : "")
finite(x) = x == x && abs(x) < 1e300
# The CSV files write "nan" for a value a run does not have; gnuplot's column() would take the
# whole row for invalid, real(strcol()) gives NaN.
