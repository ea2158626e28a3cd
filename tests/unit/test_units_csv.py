"""The units CSV: label, owner name, owner phone; problems are reported by line number."""

from app.domain.units import decode_upload, parse_units_csv


def test_a_header_row_is_optional_and_owner_columns_may_be_empty():
    rows, problems = parse_units_csv("label,owner_name,owner_phone\n5-2-1301,Wang Fang,13912345678\n5-2-1302\n")
    assert problems == []
    assert [(r.line, str(r.label), r.owner_name, r.owner_phone) for r in rows] == [
        (2, "5-2-1301", "Wang Fang", "13912345678"),
        (3, "5-2-1302", "", ""),
    ]


def test_a_paste_from_a_spreadsheet_is_read_as_tab_separated():
    rows, problems = parse_units_csv("3-1-0902\tLiu Yang\t13800000000\n3-1-0903\t\t")
    assert problems == []
    assert [str(r.label) for r in rows] == ["3-1-0902", "3-1-0903"]
    assert rows[0].owner_name == "Liu Yang"


def test_blank_lines_are_skipped_but_line_numbers_stay_true_to_the_text():
    rows, problems = parse_units_csv("\n5-2-1301\n\n5-2\n")
    assert [r.line for r in rows] == [2]
    assert [(p.line, p.code) for p in problems] == [(4, "bad_label")]


def test_each_kind_of_bad_line_has_its_own_code():
    text = "5-2-1301\n5-2-1301,Again\n5-2-1303,,139\nx\n5-2-1305,a,b,c\n"
    _, problems = parse_units_csv(text)
    assert [(p.line, p.code) for p in problems] == [
        (2, "duplicate_label"), (3, "phone_without_name"), (4, "bad_label"), (5, "too_many_columns"),
    ]


def test_labels_are_normalised_to_upper_case():
    rows, _ = parse_units_csv("5-b-1301a")
    assert str(rows[0].label) == "5-B-1301A"


def test_a_file_saved_by_excel_in_china_is_read_as_gb18030():
    assert decode_upload("5-2-1301,王芳".encode("gb18030")) == "5-2-1301,王芳"
    assert decode_upload("\ufeff5-2-1301,王芳".encode("utf-8")) == "5-2-1301,王芳"
