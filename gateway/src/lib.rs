//! The CrowdCrunch federation gateway (being built).
mod playground;
