

def test_explain_names_the_declared_fields(tmp_path, county):
    csv = write(tmp_path, "t.csv", "乡镇,育龄妇女数,避孕人数,备注\n甲镇,100,93,\n")
    run = fpm("check", csv, "--rules", county, "--explain")
    assert "→ married_women (已婚育龄妇女数)" in run.stderr, run.stderr
    assert "→ contraceptive_users (采取避孕措施人数)" in run.stderr, run.stderr
    english = fpm("check", csv, "--rules", county, "--explain", "--lang", "en")
    assert "→ contraceptive_users (采取避孕措施人数)" in english.stderr  # name_en: the name
