pub mod audit;
pub mod check;
pub mod doctor;
pub mod export;
pub mod import;
pub mod serve;
pub mod user;
pub mod versions;
