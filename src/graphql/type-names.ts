/** `VaultConnection` → `vaultConnection`: the name of a field that holds an object of the type. */
export function fieldNameOf(typeName: string): string {
  return `${typeName[0]!.toLowerCase()}${typeName.slice(1)}`;
}

/** `VaultConnection` → `vault connection`: the type as a description names it. */
export function typeInWords(typeName: string): string {
  return typeName.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();
}
