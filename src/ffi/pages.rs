//! `dci_client_paginate` and `dci_pages_*`: every item of a list, page by page.

use std::ffi::c_char;
use std::sync::Arc;

use super::boundary::{ffi, handle, owned_string, text, Handle};
use super::{dci_client, dci_pages, dci_status};
use crate::{defaults, ListQuery, Paginator};

/// Starts a walk through every item of a list call (`{"list":[...],"size":N}`), `page_size`
/// items per request (0: `dci_get_defaults().page_size`), with an optional `where` `filter`
/// and `orderby` (NULL: none; build `where` literals with `dci_quote`). Nothing is sent
/// until the first `dci_pages_next`. Writes the iterator to `*pages_out`; free it with
/// `dci_pages_free`. The iterator keeps the client alive. Thread-safe (the client).
#[no_mangle]
pub unsafe extern "C" fn dci_client_paginate(
    client: *mut dci_client,
    path: *const c_char,
    filter: *const c_char,
    orderby: *const c_char,
    page_size: u64,
    pages_out: *mut *mut dci_pages,
) -> dci_status {
    ffi!(pages_out => {
        let client = Arc::clone(&handle!(client).inner);
        let mut query = ListQuery::new();
        if let Some(w) = text!(opt filter) {
            query = query.filter_text(w);
        }
        if let Some(o) = text!(opt orderby) {
            query = query.order_by_raw(o);
        }
        let size = if page_size == 0 { defaults::PAGE_SIZE } else { page_size };
        let cursor = Paginator::new(text!(path), query, size);
        Ok(dci_pages { client, cursor }.into_raw())
    })
}

/// Writes the next item, as JSON text, to `*item_out` — or NULL when there is none left —
/// fetching the next page when the current one is used up. Free each item with
/// `dci_string_free`. After an error (returned once, with its facts in `dci_last_error_*`)
/// the walk is over: the next call writes NULL.
#[no_mangle]
pub unsafe extern "C" fn dci_pages_next(
    pages: *mut dci_pages,
    item_out: *mut *mut c_char,
) -> dci_status {
    ffi!(item_out => {
        let pages = handle!(mut pages);
        match pages.cursor.next_item(&pages.client) {
            None => Ok(std::ptr::null_mut()),
            Some(item) => owned_string(&item?.to_string()),
        }
    })
}

/// Writes to `*total_out` the platform's count of matching items (its `size`) once a page
/// has told it, else -1.
#[no_mangle]
pub unsafe extern "C" fn dci_pages_total(
    pages: *const dci_pages,
    total_out: *mut i64,
) -> dci_status {
    ffi!(total_out => Ok(handle!(pages)
        .cursor
        .total()
        .map_or(-1, |t| i64::try_from(t).unwrap_or(i64::MAX))))
}

/// Frees an iterator (and its hold on the client). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn dci_pages_free(pages: *mut dci_pages) {
    // SAFETY: NULL or a handle from dci_client_paginate, freed once (the contract).
    ffi!(quiet () => unsafe { dci_pages::free(pages) })
}
