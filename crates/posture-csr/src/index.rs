//! An incremental index of many portfolios that share vendors: updating one
//! vendor's fraction rescores only the portfolios that use it, and the
//! result is exactly what a full recomputation gives (terms are quantized,
//! so sums are exact in any order).

use crate::csr::{CsrConfig, Sums, Term};
use crate::portfolio::Criticality;
use posture_core::Error;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;

#[derive(Debug, Clone)]
struct VendorSlot {
    fraction: Decimal,
    /// The vendor's term for each criticality (in-use weights).
    terms: [Term; 4],
    /// (portfolio, criticality) pairs that use it.
    users: Vec<(u32, Criticality)>,
}

#[derive(Debug, Clone)]
struct Entry {
    id: String,
    /// Own domains' terms (fixed until the portfolio is replaced).
    own: Vec<Term>,
    /// In-use vendors and their criticality.
    vendors: Vec<(u32, Criticality)>,
    sums: Sums,
}

/// Many portfolios over a shared vendor population.
///
/// ```
/// use posture_csr::{CsrConfig, PortfolioIndex, Criticality};
/// use rust_decimal::Decimal;
/// let mut ix = PortfolioIndex::new(CsrConfig::default()).unwrap();
/// ix.set_vendor("v1", Decimal::new(5, 1)).unwrap();
/// ix.add_portfolio("acme", &[Decimal::ONE], &[("v1", Criticality::High)]).unwrap();
/// let before = ix.fraction("acme").unwrap();
/// assert_eq!(ix.set_vendor("v1", Decimal::ONE).unwrap(), 1); // one portfolio rescored
/// assert!(ix.fraction("acme").unwrap() > before);
/// ```
#[derive(Debug, Clone)]
pub struct PortfolioIndex {
    config: CsrConfig,
    vendor_keys: HashMap<String, u32>,
    vendors: Vec<VendorSlot>,
    portfolio_keys: HashMap<String, u32>,
    portfolios: Vec<Entry>,
}

impl PortfolioIndex {
    /// An empty index.
    ///
    /// # Errors
    /// Parameters out of range.
    pub fn new(config: CsrConfig) -> Result<Self, Error> {
        config.validate()?;
        Ok(PortfolioIndex {
            config,
            vendor_keys: HashMap::new(),
            vendors: Vec::new(),
            portfolio_keys: HashMap::new(),
            portfolios: Vec::new(),
        })
    }

    fn check_fraction(f: Decimal) -> Result<(), Error> {
        if f < Decimal::ZERO || f > Decimal::ONE {
            return Err(Error::OutOfRange {
                path: "fraction".into(),
                message: format!("{f} is outside [0, 1]"),
            });
        }
        Ok(())
    }

    fn terms(&self, fraction: Decimal) -> [Term; 4] {
        Criticality::ALL
            .map(|c| Term::new(self.config.vendor_weight(c), fraction, self.config.lambda))
    }

    /// Sets (or adds) a vendor's fraction (after questionnaire risks) and
    /// rescores the portfolios that use it. Returns how many were rescored.
    ///
    /// # Errors
    /// A fraction outside [0, 1].
    pub fn set_vendor(&mut self, id: &str, fraction: Decimal) -> Result<usize, Error> {
        Self::check_fraction(fraction)?;
        let terms = self.terms(fraction);
        let Some(&key) = self.vendor_keys.get(id) else {
            let key = self.vendors.len() as u32;
            self.vendor_keys.insert(id.to_owned(), key);
            self.vendors.push(VendorSlot {
                fraction,
                terms,
                users: Vec::new(),
            });
            return Ok(0);
        };
        let slot = &mut self.vendors[key as usize];
        let old = std::mem::replace(&mut slot.terms, terms);
        slot.fraction = fraction;
        let users = &slot.users;
        let portfolios = &mut self.portfolios;
        for &(p, c) in users {
            let s = &mut portfolios[p as usize].sums;
            s.sub(old[c.index()]);
            s.add(terms[c.index()]);
        }
        Ok(users.len())
    }

    /// Adds or replaces a portfolio: its own domains' fractions and its
    /// in-use vendors (which must have been set).
    ///
    /// # Errors
    /// An unknown vendor or a fraction outside [0, 1].
    pub fn add_portfolio(
        &mut self,
        id: &str,
        domains: &[Decimal],
        vendors: &[(&str, Criticality)],
    ) -> Result<(), Error> {
        let mut own = Vec::with_capacity(domains.len());
        for (i, f) in domains.iter().enumerate() {
            Self::check_fraction(*f).map_err(|e| e.within(&format!("domains[{i}]")))?;
            own.push(Term::new(self.config.domain_weight, *f, self.config.lambda));
        }
        let mut members = Vec::with_capacity(vendors.len());
        for (i, (v, c)) in vendors.iter().enumerate() {
            let key = *self.vendor_keys.get(*v).ok_or_else(|| Error::Field {
                path: format!("vendors[{i}]"),
                message: format!("unknown vendor `{v}`: set its fraction first"),
            })?;
            members.push((key, *c));
        }
        if let Some(&p) = self.portfolio_keys.get(id) {
            // Replace: unhook the old membership first.
            for (v, c) in std::mem::take(&mut self.portfolios[p as usize].vendors) {
                self.vendors[v as usize]
                    .users
                    .retain(|&(q, cc)| !(q == p && cc == c));
            }
            let sums = self.recompute_parts(&own, &members);
            self.portfolios[p as usize] = Entry {
                id: id.to_owned(),
                own,
                vendors: members.clone(),
                sums,
            };
            for (v, c) in members {
                self.vendors[v as usize].users.push((p, c));
            }
            return Ok(());
        }
        let p = self.portfolios.len() as u32;
        let sums = self.recompute_parts(&own, &members);
        for &(v, c) in &members {
            self.vendors[v as usize].users.push((p, c));
        }
        self.portfolio_keys.insert(id.to_owned(), p);
        self.portfolios.push(Entry {
            id: id.to_owned(),
            own,
            vendors: members,
            sums,
        });
        Ok(())
    }

    fn recompute_parts(&self, own: &[Term], members: &[(u32, Criticality)]) -> Sums {
        let mut s = Sums::default();
        for t in own {
            s.add(*t);
        }
        for &(v, c) in members {
            s.add(self.vendors[v as usize].terms[c.index()]);
        }
        s
    }

    /// A portfolio's current `C` (`None`: unknown portfolio or no weight).
    pub fn fraction(&self, id: &str) -> Option<Decimal> {
        let p = *self.portfolio_keys.get(id)?;
        self.portfolios[p as usize].sums.fraction()
    }

    /// A portfolio's sums, as maintained incrementally.
    pub fn sums(&self, id: &str) -> Option<Sums> {
        let p = *self.portfolio_keys.get(id)?;
        Some(self.portfolios[p as usize].sums)
    }

    /// A portfolio's sums recomputed from scratch (the reference the
    /// incremental sums must equal).
    pub fn recompute(&self, id: &str) -> Option<Sums> {
        let p = *self.portfolio_keys.get(id)?;
        let e = &self.portfolios[p as usize];
        Some(self.recompute_parts(&e.own, &e.vendors))
    }

    /// Every portfolio's `C`, recomputed from scratch in parallel, in the
    /// order portfolios were added.
    pub fn recompute_all(&self) -> Vec<(String, Option<Decimal>)> {
        self.portfolios
            .par_iter()
            .map(|e| {
                (
                    e.id.clone(),
                    self.recompute_parts(&e.own, &e.vendors).fraction(),
                )
            })
            .collect()
    }

    /// A vendor's current fraction.
    pub fn vendor_fraction(&self, id: &str) -> Option<Decimal> {
        self.vendor_keys
            .get(id)
            .map(|k| self.vendors[*k as usize].fraction)
    }

    /// Number of portfolios.
    pub fn len(&self) -> usize {
        self.portfolios.len()
    }

    /// Whether the index holds no portfolio.
    pub fn is_empty(&self) -> bool {
        self.portfolios.is_empty()
    }
}
