# Reads the summary.csv of a tuning experiment (and of its later rounds) and prints, per
# method, the variant with the lowest validation bayes_nll among those with ok runs
# (docs/design.md §7), as a Markdown table.
# A method is a variant's name up to its first "-lr" (variants expand as <method>-lr<value>).
# Usage: awk -F, -f scripts/tune-choice.awk results/tune-X/summary.csv [more rounds...]
FNR == 1 {
    for (i = 1; i <= NF; i++) col[$i] = i
    if (!("bayes_nll_mean" in col)) { print "tune-choice: no bayes_nll_mean column" > "/dev/stderr"; exit 2 }
    next
}
{
    v = $1
    m = v
    sub(/-lr.*/, "", m)
    x = $(col["bayes_nll_mean"])
    if (!(m in order)) { order[m] = ++n; name[n] = m; tried[m] = 0 }
    tried[m]++
    if ($(col["n_ok"]) == 0 || x == "nan") next
    if (!(m in best) || x + 0 < best[m] + 0) { best[m] = x; pick[m] = v }
}
END {
    print "| method | chosen variant | validation bayes_nll | variants tried |"
    print "|---|---|---:|---:|"
    for (k = 1; k <= n; k++) {
        m = name[k]
        printf "| %s | %s | %s | %d |\n", m, (m in pick) ? pick[m] : "none ok", (m in best) ? best[m] : "-", tried[m]
    }
}
