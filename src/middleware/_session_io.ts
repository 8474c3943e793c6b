// This module is browser compatible.
// The storage calls of one session property: the read (versioned when the
// storage can compare-and-set, or the memory store's own copy), the write,
// delete or compare-and-set, and the wrapping of their failures into errors
// that name the key and the operation. Whether to write is decided in
// `_property_session.ts` (`finish()`); this file only performs the calls.

import {
  SessionConflictError,
  SessionError,
  SessionStorageError,
  type StorageOperation,
} from "../contract/errors.ts";
import type {
  CompareAndSetResult,
  StorageAdapter,
  Version,
  VersionedValue,
  WriteOptions,
} from "../contract/storage_adapter.ts";
import { readWithStored } from "../contract/_stored_read.ts";
import { isPromiseLike } from "../contract/_util.ts";

/** Wraps a storage failure so that it names the key and the operation. */
export function storageError(
  key: string,
  operation: StorageOperation,
  error: unknown,
): SessionError {
  return error instanceof SessionError
    ? error
    : new SessionStorageError(key, operation, error);
}

function checkOutcome(
  key: string,
  outcome: CompareAndSetResult,
  stored: ((version: Version) => void) | undefined,
): void {
  if (!outcome.ok) throw new SessionConflictError(key);
  stored?.(outcome.version);
}

/**
 * Receives what a read found: the value, its version (if the storage keeps
 * versions), and the memory store's own copy (see `_stored_read.ts`).
 */
export type ApplyRead<S> = (
  stored: S | undefined,
  version: Version | undefined,
  own?: unknown,
) => unknown;

/**
 * Reads the stored value of `key` and hands it to `apply`; returns what
 * `apply` returns, or a promise of it if the storage answers later. The
 * memory store (`immediate`) is read through its own copy when it can be.
 */
export function readSession<S>(
  storage: StorageAdapter<S>,
  immediate: boolean,
  key: string,
  apply: ApplyRead<S>,
): unknown {
  const versioned = storage.readWithVersion !== undefined &&
    storage.compareAndSet !== undefined;
  let result: unknown;
  if (immediate) {
    let read;
    try {
      read = readWithStored(storage, key);
    } catch (error) {
      throw storageError(key, "read", error);
    }
    if (read !== undefined) {
      return apply(read.value as S | undefined, read.version, read.stored);
    }
  }
  try {
    result = versioned ? storage.readWithVersion!(key) : storage.read(key);
  } catch (error) {
    throw storageError(key, "read", error);
  }
  if (isPromiseLike(result)) {
    // One reaction for both outcomes: every promise hop is paid per update.
    return Promise.resolve(result).then(
      (value) =>
        versioned
          ? apply(
            (value as VersionedValue<S>).value,
            (value as VersionedValue<S>).version,
          )
          : apply(value as S | undefined, undefined),
      (error) => {
        throw storageError(key, "read", error);
      },
    );
  }
  return versioned
    ? apply(
      (result as VersionedValue<S>).value,
      (result as VersionedValue<S>).version,
    )
    : apply(result as S | undefined, undefined);
}

/**
 * Writes `value` under `key` (deletes it if `value` is undefined), with
 * compare-and-set against `version` if one is given; a lost compare-and-set
 * throws `SessionConflictError`, a won one tells `stored` the new version.
 * Returns a promise only if the storage answers later.
 */
export function storeSession<S>(
  storage: StorageAdapter<S>,
  key: string,
  value: S | undefined,
  version: Version | undefined,
  extra: [] | [WriteOptions],
  stored?: (version: Version) => void,
): Promise<void> | undefined {
  const operation = value === undefined ? "delete" : "write";
  const checked = version !== undefined;
  let result: unknown;
  try {
    result = checked
      ? storage.compareAndSet!(key, version, value, ...extra)
      : value === undefined
      ? storage.delete(key, ...extra)
      : storage.write(key, value, ...extra);
  } catch (error) {
    throw storageError(key, operation, error);
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(
      (outcome) => {
        if (checked) {
          checkOutcome(key, outcome as CompareAndSetResult, stored);
        }
      },
      (error) => {
        throw storageError(key, operation, error);
      },
    );
  }
  if (checked) checkOutcome(key, result as CompareAndSetResult, stored);
  return undefined;
}
