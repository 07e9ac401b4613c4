/**
 * Resource names Flink can use as its cluster id: the derived objects (`<name>-rest` Service,
 * `<name>-taskmanager`, ConfigMaps) must stay valid DNS labels, and Flink caps cluster ids at 45.
 */
export const CLUSTER_NAME_PATTERN = /^[a-z]([-a-z\d]{0,43}[a-z\d])?$/;

export function invalidDeploymentNameMessage(name: unknown): string {
  return `The FlinkDeployment name: ${String(name)} is invalid, must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123'), and the length must be no more than 45 characters.`;
}

export function isValidClusterName(name: unknown): boolean {
  return typeof name === 'string' && CLUSTER_NAME_PATTERN.test(name);
}
