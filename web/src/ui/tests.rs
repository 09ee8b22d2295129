//! Formats and the table's sorting and CSV, which the pages and exports rely on.

use super::*;

#[test]
fn numbers_read_as_people_write_them() {
    assert_eq!(int(0), "0");
    assert_eq!(int(1_234_567), "1,234,567");
    assert_eq!(tao(1_500_000_000, 2), "1.50");
    assert_eq!(prop(65_535), "1.0000");
    assert_eq!(percent(0.1234), "12.34%");
    assert_eq!(duration(45), "45 s");
    assert_eq!(duration(3_600 * 5 + 60), "5 h 1 min");
    assert_eq!(duration(86_400 * 3 + 3_600), "3 d 1 h");
    assert_eq!(duration(86_400 * 800), "2.2 y");
}

#[derive(Clone, PartialEq)]
struct Row(u16, Option<f64>, &'static str);

fn columns() -> Vec<Column<Row>> {
    vec![
        Column {
            id: "id",
            label: |d| d.col_uid,
            sort: |r| SortKey::Num(Some(f64::from(r.0))),
            cell: |_| ().into_any(),
            export: |r| r.0.to_string(),
            numeric: true,
        },
        Column {
            id: "value",
            label: |d| d.col_value,
            sort: |r| SortKey::Num(r.1),
            cell: |_| ().into_any(),
            export: |r| r.1.map_or(String::new(), |v| v.to_string()),
            numeric: true,
        },
        Column {
            id: "name",
            label: |d| d.col_name,
            sort: |r| SortKey::Text(r.2.to_owned()),
            cell: |_| ().into_any(),
            export: |r| r.2.to_owned(),
            numeric: false,
        },
    ]
}

#[test]
fn sorting_puts_missing_numbers_last_either_way() {
    let cols = columns();
    let mut rows = vec![
        Row(1, Some(2.0), "b"),
        Row(2, None, "a"),
        Row(3, Some(5.0), "c"),
    ];
    sort_rows(&cols, &mut rows, "value", true);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 1, 2]);
    sort_rows(&cols, &mut rows, "value", false);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 3, 2]);
    sort_rows(&cols, &mut rows, "name", false);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 1, 3]);
    // An unknown column leaves the order alone.
    sort_rows(&cols, &mut rows, "nope", false);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 1, 3]);
}

#[test]
fn csv_quotes_what_needs_it() {
    let rows = vec![Row(1, Some(0.5), "plain"), Row(2, None, "a, \"b\"")];
    assert_eq!(
        to_csv(&columns(), &rows),
        "id,value,name\n1,0.5,plain\n2,,\"a, \"\"b\"\"\"\n"
    );
}
