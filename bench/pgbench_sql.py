"""Turn a statement of the service into a pgbench script line (scripts/bench).

usage: gcc -E -P ... src/api/customer_get.c | python3 bench/pgbench_sql.py sql_get \
           '$1=md5('"'"'bench:'"'"' || :n::int)::uuid' '$2=:kind' ...

Reads preprocessed C on stdin, finds `NAME[] = "..." "...";`, joins the string
literals (the SQL exactly as the module sends it), replaces each `$n` as told
and prints it. pgbench takes every `:word` for a variable, even inside a
quoted literal (to_char's 'HH24:MI:SS'), so such a colon is written as
`:' || '` there: the planner folds the constant concatenation, the executed
plan is the same.
"""
import ast
import re
import sys


def main():
    name = sys.argv[1]
    text = sys.stdin.read()
    decl = re.search(r"\b" + re.escape(name) + r"\[\]\s*=\s*(.*?);\s*$",
                     text, re.S | re.M)
    if not decl:
        sys.exit("%s not found in the preprocessed source" % name)
    literals = re.findall(r'"(?:[^"\\]|\\.)*"', decl.group(1))
    sql = "".join(ast.literal_eval(s) for s in literals)

    # protect colons inside SQL string literals
    def protect(m):
        return re.sub(r":(?=[A-Za-z_])", ":' || '", m.group(0))
    sql = re.sub(r"'(?:[^']|'')*'", protect, sql)

    # $10 before $1
    subs = dict(arg.split("=", 1) for arg in sys.argv[2:])
    for key in sorted(subs, key=len, reverse=True):
        sql = sql.replace(key, subs[key])
    if re.search(r"\$\d", sql):
        sys.exit("unreplaced parameter in: " + sql)
    print(sql)


main()
