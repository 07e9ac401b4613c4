"""Counts the words of a few built-in lines with PyFlink's Table API and prints the totals."""
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import udtf

LINES = [
    "to be or not to be",
    "that is the question",
    "whether tis nobler in the mind to suffer",
]


@udtf(result_types=[DataTypes.STRING()])
def split(line: str):
    for word in line.split():
        yield word


def main() -> None:
    tables = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    lines = tables.from_elements([(line,) for line in LINES], ["line"])
    words = lines.join_lateral(split(col("line")).alias("word")).select(col("word"))
    totals = words.group_by(col("word")).select(col("word"), col("word").count.alias("total"))
    totals.execute().print()


if __name__ == "__main__":
    main()
