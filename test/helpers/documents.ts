/**
 * Typed documents shared by several API test files. They live here, not in a *.test.ts file:
 * importing a test file from another one registers (and runs) all of its tests a second time.
 */
import { graphql } from '../gql/index.ts';

export const SecretFields = graphql(`
  fragment SecretFields on Secret {
    id
    name
    description
    secretType
    authMethod
    storage
    version
    lastRotatedAt
    locationCount
    envVarKeys
    credentialFields {
      name
      envVar
      maskedValue
    }
    fieldMappings {
      fieldName
      reference
    }
    vaultConnection {
      id
    }
    createdBy {
      email
    }
  }
`);

export const ErrorFields = graphql(`
  fragment ErrorFields on Error {
    __typename
    code
    message
    ... on ValidationError {
      fieldErrors {
        path
        code
      }
    }
  }
`);

export const CreateSecret = graphql(`
  mutation CreateSecret($input: CreateSecretInput!) {
    createSecret(input: $input) {
      __typename
      ... on CreateSecretSuccess {
        secret {
          ...SecretFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const UpdateSecret = graphql(`
  mutation UpdateSecret($input: UpdateSecretInput!) {
    updateSecret(input: $input) {
      __typename
      ... on UpdateSecretSuccess {
        secret {
          ...SecretFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const RotateSecret = graphql(`
  mutation RotateSecret($input: RotateSecretInput!) {
    rotateSecret(input: $input) {
      __typename
      ... on RotateSecretSuccess {
        secret {
          ...SecretFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeleteSecret = graphql(`
  mutation DeleteSecret($input: DeleteSecretInput!) {
    deleteSecret(input: $input) {
      __typename
      ... on DeleteSecretSuccess {
        deletedSecretId
      }
      ...ErrorFields
    }
  }
`);

export const CreateLocation = graphql(`
  mutation CreateLocationForSecret($input: CreateLocationInput!) {
    createLocation(input: $input) {
      __typename
      ... on CreateLocationSuccess {
        location {
          id
          locationType
        }
      }
      ...ErrorFields
    }
  }
`);

export const CreateVaultConnection = graphql(`
  mutation CreateVaultConnectionForSecret($input: CreateVaultConnectionInput!) {
    createVaultConnection(input: $input) {
      __typename
      ... on CreateVaultConnectionSuccess {
        vaultConnection {
          id
        }
      }
      ...ErrorFields
    }
  }
`);

export const LocationFields = graphql(`
  fragment LocationFields on Location {
    id
    name
    description
    locationType
    bucketName
    region
    endpointUrl
    version
    secret {
      id
      secretType
      locationCount
    }
    team {
      id
    }
    createdBy {
      email
    }
    updatedBy {
      email
    }
  }
`);

export const UpdateLocation = graphql(`
  mutation UpdateLocation($input: UpdateLocationInput!) {
    updateLocation(input: $input) {
      __typename
      ... on UpdateLocationSuccess {
        location {
          ...LocationFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeleteLocation = graphql(`
  mutation DeleteLocation($input: DeleteLocationInput!) {
    deleteLocation(input: $input) {
      __typename
      ... on DeleteLocationSuccess {
        deletedLocationId
      }
      ...ErrorFields
    }
  }
`);

export const VaultConnectionFields = graphql(`
  fragment VaultConnectionFields on VaultConnection {
    id
    name
    description
    vaultType
    version
    lastRotatedAt
    createdAt
    updatedAt
    team {
      id
    }
    createdBy {
      email
    }
  }
`);

export const UpdateVaultConnection = graphql(`
  mutation UpdateVaultConnection($input: UpdateVaultConnectionInput!) {
    updateVaultConnection(input: $input) {
      __typename
      ... on UpdateVaultConnectionSuccess {
        vaultConnection {
          ...VaultConnectionFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const RotateVaultConnection = graphql(`
  mutation RotateVaultConnection($input: RotateVaultConnectionInput!) {
    rotateVaultConnection(input: $input) {
      __typename
      ... on RotateVaultConnectionSuccess {
        vaultConnection {
          ...VaultConnectionFields
        }
      }
      ...ErrorFields
    }
  }
`);

export const DeleteVaultConnection = graphql(`
  mutation DeleteVaultConnection($input: DeleteVaultConnectionInput!) {
    deleteVaultConnection(input: $input) {
      __typename
      ... on DeleteVaultConnectionSuccess {
        deletedVaultConnectionId
      }
      ...ErrorFields
    }
  }
`);

/** Any node by id, with the fields the API tests compare. */
export const NodeById = graphql(`
  query NodeById($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Location {
        ...LocationFields
      }
      ... on VaultConnection {
        ...VaultConnectionFields
      }
      ... on Secret {
        ...SecretFields
      }
    }
  }
`);
