"""A grant's right names mean that grant's type's rights: process and job
both declare EXCEPTIONS, at different bits, and each grant gets its own."""
import json

from test_policy_drives import compile_policy, rights_json  # noqa: F401 (a fixture)


def test_same_name_different_types(tmp_path, rights_json):  # noqa: F811
    types = json.load(open(rights_json))["types"]
    job_bit = types["job"]["rights"]["EXCEPTIONS"]
    process_bit = types["process"]["rights"]["EXCEPTIONS"]
    assert job_bit != process_bit   # the case this test is about
    rc, table, err = compile_policy(tmp_path, rights_json, """
program p {
    grant job : EXCEPTIONS;
    max process : EXCEPTIONS;
}
""")
    assert rc == 0, err
    grants = table[table.index("grants_p[]"):table.index("max_p[]")]
    assert f"0x{job_bit:08x}u" in grants, grants
    maxes = table[table.index("max_p[]"):]
    assert f"{types['process']['id']}u, 0x{process_bit:08x}u" in maxes, maxes


def test_a_right_of_another_type_is_refused(tmp_path, rights_json):  # noqa: F811
    rc, _, err = compile_policy(tmp_path, rights_json, "program p { grant log : CREATE_PROCESS; }")
    assert rc == 1
    assert "unknown right 'CREATE_PROCESS'" in err
