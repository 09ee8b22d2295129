//! Plain-text tables for the reading commands: columns sized to their widest cell (counted in
//! characters, so `τ` and `✓` line up), two spaces apart, numbers right-aligned under a
//! right-aligned title.

/// A table being built row by row.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are blank).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row, ending with a newline.
    pub fn render(&self) -> String {
        let width = |c: &str| c.chars().count();
        let columns = self.header.len();
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| width(c))
                    .chain([width(&self.header[i])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric = |c: &str| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_digit() || matches!(ch, '.' | '%' | '/' | '-'))
        };
        // A column whose cells are all numbers is right-aligned, its title included.
        let right: Vec<bool> = (0..columns)
            .map(|i| {
                let mut cells = self.rows.iter().filter_map(|r| r.get(i)).peekable();
                cells.peek().is_some() && cells.all(|c| c.is_empty() || numeric(c))
            })
            .collect();
        let line = |cells: &[String], header: bool| {
            let mut out = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = cells.get(i).map_or("", String::as_str);
                let pad = " ".repeat(w - width(cell));
                if i > 0 {
                    out.push_str("  ");
                }
                if numeric(cell) || (header && right[i]) {
                    out.push_str(&pad);
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    if i + 1 < columns {
                        out.push_str(&pad);
                    }
                }
            }
            out.trim_end().to_owned() + "\n"
        };
        let mut out = line(&self.header, true);
        for r in &self.rows {
            out.push_str(&line(r, false));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_numbers_go_right() {
        let mut t = Table::new(&["uid", "name", "τ"]);
        t.row(vec!["1".into(), "alpha".into(), "0.5".into()]);
        t.row(vec!["10".into(), "β".into(), "12.25".into()]);
        assert_eq!(
            t.render(),
            "uid  name       τ\n  1  alpha    0.5\n 10  β      12.25\n"
        );
    }
}
