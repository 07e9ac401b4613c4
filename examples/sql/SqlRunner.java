package example;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;

/**
 * Runs one SQL script as one Flink job: every statement but INSERTs is executed as it comes
 * (CREATE, SET, ...); the INSERTs are collected into one statement set, submitted at the end.
 * Statements end with a semicolon at the end of a line; lines starting with "--" are comments.
 */
public final class SqlRunner {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: SqlRunner <script.sql>");
    TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    StatementSet inserts = tables.createStatementSet();
    boolean anyInsert = false;
    for (String statement : statements(Files.readAllLines(Path.of(args[0])))) {
      if (statement.regionMatches(true, 0, "INSERT", 0, 6)) {
        inserts.addInsertSql(statement);
        anyInsert = true;
      } else {
        tables.executeSql(statement);
      }
    }
    if (anyInsert) inserts.execute();
  }

  static List<String> statements(List<String> lines) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      if (line.strip().startsWith("--")) continue;
      current.append(line).append('\n');
      if (line.strip().endsWith(";")) {
        String text = current.toString().strip();
        out.add(text.substring(0, text.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) out.add(current.toString().strip());
    return out;
  }
}
