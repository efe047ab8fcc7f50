//! A line diff of two texts (longest common subsequence), for comparing parameter
//! versions. Common leading and trailing lines are matched first; past a size budget
//! the middle is shown as removed-then-added rather than searched, so a huge value
//! cannot stall the page.

use leptos::prelude::*;

/// One line of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
}

/// Cells the LCS table may have (rows × columns of the differing middle).
const MAX_CELLS: usize = 4_000_000;

/// The diff of `old` → `new`, unit by unit (lines, or list items).
pub fn diff_units(old: &[String], new: &[String]) -> Vec<DiffLine> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let rest_old = &old[prefix..];
    let rest_new = &new[prefix..];
    let suffix = rest_old
        .iter()
        .rev()
        .zip(rest_new.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let a = &rest_old[..rest_old.len() - suffix];
    let b = &rest_new[..rest_new.len() - suffix];

    let mut out: Vec<DiffLine> = old[..prefix].iter().cloned().map(DiffLine::Same).collect();
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        out.extend(a.iter().cloned().map(DiffLine::Removed));
        out.extend(b.iter().cloned().map(DiffLine::Added));
    } else {
        // lcs[i][j]: the LCS length of a[i..] and b[j..].
        let (n, m) = (a.len(), b.len());
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[at(i, j)] = if a[i] == b[j] {
                    lcs[at(i + 1, j + 1)] + 1
                } else {
                    lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if a[i] == b[j] {
                out.push(DiffLine::Same(a[i].clone()));
                i += 1;
                j += 1;
            } else if lcs[at(i + 1, j)] >= lcs[at(i, j + 1)] {
                out.push(DiffLine::Removed(a[i].clone()));
                i += 1;
            } else {
                out.push(DiffLine::Added(b[j].clone()));
                j += 1;
            }
        }
        out.extend(a[i..].iter().cloned().map(DiffLine::Removed));
        out.extend(b[j..].iter().cloned().map(DiffLine::Added));
    }
    out.extend(
        rest_old[rest_old.len() - suffix..]
            .iter()
            .cloned()
            .map(DiffLine::Same),
    );
    out
}

/// Splits a value into the units a diff compares: lines, or for a StringList its
/// comma-separated items (one item per line reads better than one long changed line).
pub fn units(value: &str, string_list: bool) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    if string_list {
        value.split(',').map(str::to_string).collect()
    } else {
        value.lines().map(str::to_string).collect()
    }
}

/// A diff as a `<pre>`: removed lines marked `-`, added `+`.
#[component]
pub fn DiffView(lines: Vec<DiffLine>) -> impl IntoView {
    let unchanged = lines.iter().all(|l| matches!(l, DiffLine::Same(_)));
    let rows = lines
        .into_iter()
        .map(|l| match l {
            DiffLine::Same(t) => {
                view! { <span class="diff-line diff-same">{format!("  {t}")}</span> }.into_any()
            }
            DiffLine::Removed(t) => {
                view! { <del class="diff-line diff-removed">{format!("- {t}")}</del> }.into_any()
            }
            DiffLine::Added(t) => {
                view! { <ins class="diff-line diff-added">{format!("+ {t}")}</ins> }.into_any()
            }
        })
        .collect_view();
    view! {
        {unchanged.then(|| view! { <p class="muted">"The two versions have the same value."</p> })}
        <pre class="code diff" data-testid="diff">{rows}</pre>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn diffs_lines() {
        use DiffLine::*;
        let cases: &[(&[&str], &[&str], Vec<DiffLine>)] = &[
            (&[], &[], vec![]),
            (&["a"], &["a"], vec![Same("a".into())]),
            (&["a"], &["b"], vec![Removed("a".into()), Added("b".into())]),
            (
                &["a", "b", "c"],
                &["a", "x", "c", "d"],
                vec![
                    Same("a".into()),
                    Removed("b".into()),
                    Added("x".into()),
                    Same("c".into()),
                    Added("d".into()),
                ],
            ),
            (
                &["x", "a", "b"],
                &["a", "b", "y"],
                vec![
                    Removed("x".into()),
                    Same("a".into()),
                    Same("b".into()),
                    Added("y".into()),
                ],
            ),
        ];
        for (old, new, want) in cases {
            assert_eq!(&diff_units(&v(old), &v(new)), want, "{old:?} → {new:?}");
        }
    }

    #[test]
    fn huge_middles_are_not_searched() {
        let old: Vec<String> = (0..3000).map(|i| format!("o{i}")).collect();
        let new: Vec<String> = (0..3000).map(|i| format!("n{i}")).collect();
        let d = diff_units(&old, &new);
        assert_eq!(d.len(), 6000);
        assert_eq!(d[0], DiffLine::Removed("o0".into()));
        assert_eq!(d[3000], DiffLine::Added("n0".into()));
    }

    #[test]
    fn units_split_lists_on_commas() {
        assert_eq!(units("a,b", true), v(&["a", "b"]));
        assert_eq!(units("a,b\nc", false), v(&["a,b", "c"]));
        assert!(units("", false).is_empty());
    }
}
