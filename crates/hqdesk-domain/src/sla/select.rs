//! Which policy a case falls under: the first enabled policy, in the order given (the store
//! lists them by position), whose conditions all hold. A condition with an empty list holds for
//! any case; a category or unit condition does not hold for a case without one.
use crate::sla::{Conditions, Policy, PolicyFacts};

/// The policy that applies to a case with these facts, if any.
pub fn select<'a>(policies: &'a [Policy], facts: &PolicyFacts) -> Option<&'a Policy> {
    policies
        .iter()
        .find(|p| p.enabled && conditions_hold(&p.conditions, facts))
}

/// Whether every condition holds for these facts.
pub fn conditions_hold(c: &Conditions, f: &PolicyFacts) -> bool {
    fn any_or<T: PartialEq>(list: &[T], v: &T) -> bool {
        list.is_empty() || list.contains(v)
    }
    fn any_or_opt<T: PartialEq>(list: &[T], v: Option<&T>) -> bool {
        list.is_empty() || v.is_some_and(|v| list.contains(v))
    }
    any_or(&c.kinds, &f.kind)
        && any_or_opt(&c.branches, f.branch.as_ref())
        && any_or(&c.channels, &f.channel)
        && (c.categories.is_empty()
            || f.category
                .is_some_and(|x| c.categories.iter().any(|y| y == x)))
        && any_or(&c.priorities, &f.priority)
        && (c.units.is_empty() || f.unit.is_some_and(|x| c.units.iter().any(|y| y == x)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Branch, CaseKind, Priority};
    use crate::channel::Channel;
    use crate::sla::Targets;

    fn policy(id: i64, enabled: bool, conditions: Conditions) -> Policy {
        Policy {
            id,
            name: format!("p{id}"),
            position: id,
            enabled,
            conditions,
            calendar: "office".into(),
            targets: Targets::default(),
            pause_while_waiting: true,
            ladder: vec![],
        }
    }

    fn facts() -> PolicyFacts<'static> {
        PolicyFacts {
            kind: CaseKind::Inquiry,
            branch: Some(Branch::from_number(1).unwrap()),
            channel: Channel::Portal,
            category: Some("ECUS"),
            priority: Priority::High,
            unit: None,
        }
    }

    #[test]
    fn the_first_enabled_matching_policy_wins() {
        let ps = vec![
            policy(1, false, Conditions::default()),
            policy(
                2,
                true,
                Conditions {
                    priorities: vec![Priority::Urgent],
                    ..Default::default()
                },
            ),
            policy(
                3,
                true,
                Conditions {
                    priorities: vec![Priority::High, Priority::Urgent],
                    kinds: vec![CaseKind::Inquiry],
                    ..Default::default()
                },
            ),
            policy(4, true, Conditions::default()),
        ];
        assert_eq!(select(&ps, &facts()).map(|p| p.id), Some(3));
    }

    #[test]
    fn an_empty_list_means_any_and_no_policy_may_match() {
        let any = vec![policy(1, true, Conditions::default())];
        assert_eq!(select(&any, &facts()).map(|p| p.id), Some(1));
        assert!(select(&[], &facts()).is_none());
        let none = vec![policy(
            1,
            true,
            Conditions {
                channels: vec![Channel::Phone],
                ..Default::default()
            },
        )];
        assert!(select(&none, &facts()).is_none());
    }

    #[test]
    fn a_unit_or_category_condition_needs_the_case_to_have_one() {
        let by_unit = vec![policy(
            1,
            true,
            Conditions {
                units: vec!["GSQL".into()],
                ..Default::default()
            },
        )];
        assert!(select(&by_unit, &facts()).is_none());
        let mut f = facts();
        f.unit = Some("GSQL");
        assert_eq!(select(&by_unit, &f).map(|p| p.id), Some(1));
        let by_category = vec![policy(
            1,
            true,
            Conditions {
                categories: vec!["VNACCS".into(), "ECUS".into()],
                ..Default::default()
            },
        )];
        assert_eq!(select(&by_category, &facts()).map(|p| p.id), Some(1));
        f.category = None;
        assert!(select(&by_category, &f).is_none());
    }

    #[test]
    fn a_branch_condition_needs_the_case_to_have_that_branch() {
        let by_branch = vec![policy(
            1,
            true,
            Conditions {
                branches: vec![Branch::from_number(2).unwrap()],
                ..Default::default()
            },
        )];
        assert!(select(&by_branch, &facts()).is_none());
        let mut f = facts();
        f.branch = Some(Branch::from_number(2).unwrap());
        assert_eq!(select(&by_branch, &f).map(|p| p.id), Some(1));
    }
}
