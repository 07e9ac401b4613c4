/** The logging configuration files shipped next to config.yaml. */

export const LOG4J_CONSOLE_FILE = 'log4j-console.properties';
export const LOGBACK_CONSOLE_FILE = 'logback-console.xml';

/**
 * Console logging for the JobManager and TaskManagers: INFO to stdout (read by `kubectl logs`)
 * and to the log file Flink's web UI shows, rolled at 100 MB.
 */
export const DEFAULT_LOG4J_CONSOLE = `# Written by flink-operator: console and log file at INFO.
monitorInterval = 30
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
rootLogger.appenderRef.rolling.ref = RollingFileAppender

logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.kafka.name = org.apache.kafka
logger.kafka.level = INFO
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = INFO
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = INFO
logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF

appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n

appender.rolling.name = RollingFileAppender
appender.rolling.type = RollingFile
appender.rolling.append = false
appender.rolling.fileName = \${sys:log.file}
appender.rolling.filePattern = \${sys:log.file}.%i
appender.rolling.layout.type = PatternLayout
appender.rolling.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
appender.rolling.policies.type = Policies
appender.rolling.policies.size.type = SizeBasedTriggeringPolicy
appender.rolling.policies.size.size = 100MB
appender.rolling.strategy.type = DefaultRolloverStrategy
appender.rolling.strategy.max = 10
`;

/**
 * The logging files for a cluster: those given in `spec.logConfiguration` (keyed by file name),
 * else the default log4j console configuration.
 */
export function loggingFiles(
  logConfiguration: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of [LOG4J_CONSOLE_FILE, LOGBACK_CONSOLE_FILE]) {
    const content = logConfiguration?.[name];
    if (content !== undefined) files[name] = content;
  }
  if (Object.keys(files).length === 0) files[LOG4J_CONSOLE_FILE] = DEFAULT_LOG4J_CONSOLE;
  return files;
}
