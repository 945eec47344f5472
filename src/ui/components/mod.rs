//! One file per component.
