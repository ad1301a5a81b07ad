/** What every versioned object of a team shows besides its own fields: its id, its `version` and who made and last changed it, when. */
export interface VersionedObject {
  id: string;
  version: number;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  updatedBy: string | null;
}
