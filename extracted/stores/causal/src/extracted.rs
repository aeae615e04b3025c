// generated from extracted/stores/causal/rocq/store.json by miniml2rust; do not edit
#![allow(
    clippy::all,
    clippy::pedantic,
    unused,
    dead_code,
    non_snake_case,
    non_camel_case_types,
    unreachable_patterns,
    unreachable_code
)]
#![forbid(unsafe_code)]

use crate::runtime as rt;
use std::rc::Rc;

/// Inductive `write`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Write<K> {
    MkW(
        u64,
        K,
        u64,
        u64,
        (u64, u64),
        rt::List<u64>,
        rt::List<u64>,
        rt::List<u64>,
    ),
}

/// Inductive `astate`.
#[derive(Clone)]
pub enum Astate<K> {
    MkA(
        Rc<dyn Fn(u64) -> rt::List<Write<K>>>,
        Rc<dyn Fn(u64) -> rt::List<Write<K>>>,
        Rc<dyn Fn(u64) -> rt::List<Write<K>>>,
        Rc<dyn Fn(u64) -> rt::List<u64>>,
        rt::List<Write<K>>,
        u64,
    ),
}

/// Inductive `tree`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Tree<K, V> {
    Leaf,
    Node(Rc<Tree<K, V>>, K, V, Rc<Tree<K, V>>, u64),
}

/// Inductive `state'`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum StateP<K, V> {
    MkSt(u64, rt::List<u64>, Tree<K, V>),
}

/// Inductive `msg'`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum MsgP<K, V> {
    MkMsg(u64, u64, rt::List<u64>, K, V),
}

/// Inductive `sys`.
#[derive(Clone)]
pub enum Sys<K> {
    MkSys(
        Rc<dyn Fn(u64) -> StateP<K, u64>>,
        Rc<dyn Fn(u64) -> rt::List<u64>>,
        rt::List<(u64, MsgP<K, u64>)>,
        u64,
    ),
}

/// `negb`.
pub fn negb(b: bool) -> bool {
    {
        match b {
            true => false,
            false => true,
        }
    }
}

/// `leb` (native).
pub fn leb(n: u64, m: u64) -> bool {
    n <= m
}

/// `ltb` (native).
pub fn ltb(n: u64, m: u64) -> bool {
    n < m
}

/// `max` (native).
pub fn max(n: u64, m: u64) -> u64 {
    std::cmp::max(n, m)
}

/// `eqb` (native).
pub fn eqb(n: u64, m: u64) -> bool {
    n == m
}

/// `leb0` (native).
pub fn leb0(n: u64, m: u64) -> bool {
    n <= m
}

/// `max0` (native).
pub fn max0(n: u64, m: u64) -> u64 {
    std::cmp::max(n, m)
}

/// `nth`.
pub fn nth<T1: Clone + 'static>(n: u64, l: rt::List<T1>, default: T1) -> T1 {
    {
        match n {
            0 => match (l).uncons() {
                None => default,
                Some((x, _)) => x,
            },
            __n @ 1.. => {
                let m = __n - 1;
                {
                    match (l).uncons() {
                        None => default,
                        Some((_, t0)) => nth::<T1>(m, t0, default),
                    }
                }
            }
        }
    }
}

/// `map`.
pub fn map<T1: Clone + 'static, T2: Clone + 'static>(
    f: &dyn Fn(&T1) -> T2,
    l: rt::List<T1>,
) -> rt::List<T2> {
    {
        match (l).uncons() {
            None => rt::List::<T2>::nil(),
            Some((a, t0)) => rt::List::cons(f(&a), map::<T1, T2>(f, t0)),
        }
    }
}

/// `filter`.
pub fn filter<T1: Clone + 'static>(f: &dyn Fn(&T1) -> bool, l: rt::List<T1>) -> rt::List<T1> {
    {
        match (l).uncons() {
            None => rt::List::<T1>::nil(),
            Some((x, l0)) => match f(&x) {
                true => rt::List::cons(x, filter::<T1>(f, l0)),
                false => filter::<T1>(f, l0),
            },
        }
    }
}

/// `find`.
pub fn find<T1: Clone + 'static>(f: &dyn Fn(&T1) -> bool, l: rt::List<T1>) -> Option<T1> {
    {
        match (l).uncons() {
            None => Option::<T1>::None,
            Some((x, tl)) => match f(&x) {
                true => Some(x),
                false => find::<T1>(f, tl),
            },
        }
    }
}

/// `seq`.
pub fn seq(start: u64, len: u64) -> rt::List<u64> {
    {
        match len {
            0 => rt::List::<u64>::nil(),
            __n @ 1.. => {
                let len0 = __n - 1;
                rt::List::cons(start.clone(), seq(rt::succ(start.clone()), len0))
            }
        }
    }
}

/// `empty`.
pub fn empty<T1: Clone + 'static, T2: Clone + 'static>() -> Tree<T1, T2> {
    Tree::<T1, T2>::Leaf
}

/// `height`.
pub fn height<T1: Clone + 'static, T2: Clone + 'static>(s: Tree<T1, T2>) -> u64 {
    {
        match s {
            Tree::Leaf => 0u64,
            Tree::Node(_, _, _, _, h) => h,
        }
    }
}

/// `create`.
pub fn create<T1: Clone + 'static, T2: Clone + 'static>(
    l: Tree<T1, T2>,
    k: T1,
    v: T2,
    r: Tree<T1, T2>,
) -> Tree<T1, T2> {
    Tree::<T1, T2>::Node(
        Rc::new(l.clone()),
        k,
        v,
        Rc::new(r.clone()),
        rt::succ(max(
            height::<T1, T2>(l.clone()),
            height::<T1, T2>(r.clone()),
        )),
    )
}

/// `bal`.
pub fn bal<T1: Clone + 'static, T2: Clone + 'static>(
    l: Tree<T1, T2>,
    k: T1,
    v: T2,
    r: Tree<T1, T2>,
) -> Tree<T1, T2> {
    {
        match ltb(
            rt::succ(height::<T1, T2>(r.clone())),
            height::<T1, T2>(l.clone()),
        ) {
            true => match l.clone() {
                Tree::Leaf => create::<T1, T2>(l.clone(), k, v, r.clone()),
                Tree::Node(ll, lk, lv, lr, _) => match leb(
                    height::<T1, T2>((*lr).clone()),
                    height::<T1, T2>((*ll).clone()),
                ) {
                    true => create::<T1, T2>(
                        (*ll).clone(),
                        lk,
                        lv,
                        create::<T1, T2>((*lr).clone(), k, v, r.clone()),
                    ),
                    false => match (*lr).clone() {
                        Tree::Leaf => create::<T1, T2>(l.clone(), k, v, r.clone()),
                        Tree::Node(lrl, lrk, lrv, lrr, _) => create::<T1, T2>(
                            create::<T1, T2>((*ll).clone(), lk, lv, Rc::unwrap_or_clone(lrl)),
                            lrk,
                            lrv,
                            create::<T1, T2>(Rc::unwrap_or_clone(lrr), k, v, r.clone()),
                        ),
                    },
                },
            },
            false => match ltb(
                rt::succ(height::<T1, T2>(l.clone())),
                height::<T1, T2>(r.clone()),
            ) {
                true => match r.clone() {
                    Tree::Leaf => create::<T1, T2>(l.clone(), k, v, r.clone()),
                    Tree::Node(rl, rk, rv, rr, _) => match leb(
                        height::<T1, T2>((*rl).clone()),
                        height::<T1, T2>((*rr).clone()),
                    ) {
                        true => create::<T1, T2>(
                            create::<T1, T2>(l.clone(), k, v, (*rl).clone()),
                            rk,
                            rv,
                            (*rr).clone(),
                        ),
                        false => match (*rl).clone() {
                            Tree::Leaf => create::<T1, T2>(l.clone(), k, v, r.clone()),
                            Tree::Node(rll, rlk, rlv, rlr, _) => create::<T1, T2>(
                                create::<T1, T2>(l.clone(), k, v, Rc::unwrap_or_clone(rll)),
                                rlk,
                                rlv,
                                create::<T1, T2>(Rc::unwrap_or_clone(rlr), rk, rv, (*rr).clone()),
                            ),
                        },
                    },
                },
                false => create::<T1, T2>(l.clone(), k, v, r.clone()),
            },
        }
    }
}

/// `find0`.
pub fn find0<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &dyn Fn(&T1, &T1) -> std::cmp::Ordering,
    k: T1,
    s: Tree<T1, T2>,
) -> Option<T2> {
    {
        match s {
            Tree::Leaf => Option::<T2>::None,
            Tree::Node(l, x, v, r, _) => match kcmp(&k, &x) {
                std::cmp::Ordering::Equal => Some(v),
                std::cmp::Ordering::Less => find0::<T1, T2>(kcmp, k, Rc::unwrap_or_clone(l)),
                std::cmp::Ordering::Greater => find0::<T1, T2>(kcmp, k, Rc::unwrap_or_clone(r)),
            },
        }
    }
}

/// `add`.
pub fn add<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &dyn Fn(&T1, &T1) -> std::cmp::Ordering,
    k: T1,
    v: T2,
    s: Tree<T1, T2>,
) -> Tree<T1, T2> {
    {
        match s {
            Tree::Leaf => Tree::<T1, T2>::Node(
                Rc::new(Tree::<T1, T2>::Leaf),
                k,
                v,
                Rc::new(Tree::<T1, T2>::Leaf),
                1u64,
            ),
            Tree::Node(l, x, y, r, h) => match kcmp(&k, &x) {
                std::cmp::Ordering::Equal => Tree::<T1, T2>::Node(l, x, v, r, h),
                std::cmp::Ordering::Less => bal::<T1, T2>(
                    add::<T1, T2>(kcmp, k, v, Rc::unwrap_or_clone(l)),
                    x,
                    y,
                    Rc::unwrap_or_clone(r),
                ),
                std::cmp::Ordering::Greater => bal::<T1, T2>(
                    Rc::unwrap_or_clone(l),
                    x,
                    y,
                    add::<T1, T2>(kcmp, k, v, Rc::unwrap_or_clone(r)),
                ),
            },
        }
    }
}

/// `vset`.
pub fn vset(v: rt::List<u64>, i: u64, x: u64) -> rt::List<u64> {
    {
        match i {
            0 => match (v).uncons() {
                None => rt::List::cons(x, rt::List::<u64>::nil()),
                Some((_, t0)) => rt::List::cons(x, t0),
            },
            __n @ 1.. => {
                let i_p = __n - 1;
                {
                    match (v).uncons() {
                        None => rt::List::cons(0u64, vset(rt::List::<u64>::nil(), i_p, x)),
                        Some((h, t0_1)) => rt::List::cons(h, vset(t0_1, i_p, x)),
                    }
                }
            }
        }
    }
}

/// `vle`.
pub fn vle(a: rt::List<u64>, b: rt::List<u64>) -> bool {
    {
        match (a).uncons() {
            None => true,
            Some((x, a_p)) => match (b).uncons() {
                None => match eqb(x, 0u64) {
                    true => vle(a_p, rt::List::<u64>::nil()),
                    false => false,
                },
                Some((y, b_p)) => match leb0(x, y) {
                    true => vle(a_p, b_p),
                    false => false,
                },
            },
        }
    }
}

/// `vmax`.
pub fn vmax(a: rt::List<u64>, b: rt::List<u64>) -> rt::List<u64> {
    {
        match (a.clone()).uncons() {
            None => b,
            Some((x, a_p)) => match (b).uncons() {
                None => a.clone(),
                Some((y, b_p)) => rt::List::cons(max0(x, y), vmax(a_p, b_p)),
            },
        }
    }
}

/// `get_merge`.
pub fn get_merge() -> bool {
    true
}

/// `put_guard`.
pub fn put_guard() -> bool {
    true
}

/// `me`.
pub fn me<T1: Clone + 'static, T2: Clone + 'static>(s: StateP<T1, T2>) -> u64 {
    {
        match s {
            StateP::MkSt(me0, _, _) => me0,
        }
    }
}

/// `clock`.
pub fn clock<T1: Clone + 'static, T2: Clone + 'static>(s: StateP<T1, T2>) -> rt::List<u64> {
    {
        match s {
            StateP::MkSt(_, clock0, _) => clock0,
        }
    }
}

/// `store`.
pub fn store<T1: Clone + 'static, T2: Clone + 'static>(s: StateP<T1, T2>) -> Tree<T1, T2> {
    {
        match s {
            StateP::MkSt(_, _, store0) => store0,
        }
    }
}

/// `morig`.
pub fn morig<T1: Clone + 'static, T2: Clone + 'static>(m: MsgP<T1, T2>) -> u64 {
    {
        match m {
            MsgP::MkMsg(morig0, _, _, _, _) => morig0,
        }
    }
}

/// `mseq`.
pub fn mseq<T1: Clone + 'static, T2: Clone + 'static>(m: MsgP<T1, T2>) -> u64 {
    {
        match m {
            MsgP::MkMsg(_, mseq0, _, _, _) => mseq0,
        }
    }
}

/// `mdeps`.
pub fn mdeps<T1: Clone + 'static, T2: Clone + 'static>(m: MsgP<T1, T2>) -> rt::List<u64> {
    {
        match m {
            MsgP::MkMsg(_, _, mdeps0, _, _) => mdeps0,
        }
    }
}

/// `mkey`.
pub fn mkey<T1: Clone + 'static, T2: Clone + 'static>(m: MsgP<T1, T2>) -> T1 {
    {
        match m {
            MsgP::MkMsg(_, _, _, mkey0, _) => mkey0,
        }
    }
}

/// `mval`.
pub fn mval<T1: Clone + 'static, T2: Clone + 'static>(m: MsgP<T1, T2>) -> T2 {
    {
        match m {
            MsgP::MkMsg(_, _, _, _, mval0) => mval0,
        }
    }
}

/// `init`.
pub fn init<T1: Clone + 'static, T2: Clone + 'static>(_x: u64, r: u64) -> StateP<T1, T2> {
    StateP::<T1, T2>::MkSt(r, rt::List::<u64>::nil(), empty::<T1, T2>())
}

/// `token0`.
pub fn token0(_x: u64) -> rt::List<u64> {
    rt::List::<u64>::nil()
}

/// `put`.
pub fn put<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &dyn Fn(&T1, &T1) -> std::cmp::Ordering,
    st: StateP<T1, T2>,
    tk: rt::List<u64>,
    k: T1,
    v: T2,
) -> Option<((StateP<T1, T2>, rt::List<u64>), MsgP<T1, T2>)> {
    {
        match {
            match put_guard() {
                true => negb(vle(tk.clone(), {
                    match st.clone() {
                        StateP::MkSt(_, clock0, _) => clock0,
                    }
                })),
                false => false,
            }
        } {
            true => Option::<((StateP<T1, T2>, rt::List<u64>), MsgP<T1, T2>)>::None,
            false => {
                let sq: u64 = rt::succ(nth::<u64>(
                    {
                        match st.clone() {
                            StateP::MkSt(me0, _, _) => me0,
                        }
                    },
                    {
                        match st.clone() {
                            StateP::MkSt(_, clock0_1, _) => clock0_1,
                        }
                    },
                    0u64,
                ));
                Some((
                    (
                        StateP::<T1, T2>::MkSt(
                            {
                                match st.clone() {
                                    StateP::MkSt(me0_1, _, _) => me0_1,
                                }
                            },
                            vset(
                                {
                                    match st.clone() {
                                        StateP::MkSt(_, clock0_2, _) => clock0_2,
                                    }
                                },
                                {
                                    match st.clone() {
                                        StateP::MkSt(me0_2, _, _) => me0_2,
                                    }
                                },
                                sq.clone(),
                            ),
                            add::<T1, T2>(kcmp, k.clone(), v.clone(), {
                                match st.clone() {
                                    StateP::MkSt(_, _, store0) => store0,
                                }
                            }),
                        ),
                        vset(
                            tk.clone(),
                            {
                                match st.clone() {
                                    StateP::MkSt(me0_3, _, _) => me0_3,
                                }
                            },
                            sq.clone(),
                        ),
                    ),
                    MsgP::<T1, T2>::MkMsg(
                        {
                            match st.clone() {
                                StateP::MkSt(me0_4, _, _) => me0_4,
                            }
                        },
                        sq.clone(),
                        {
                            match st.clone() {
                                StateP::MkSt(_, clock0_3, _) => clock0_3,
                            }
                        },
                        k.clone(),
                        v.clone(),
                    ),
                ))
            }
        }
    }
}

/// `get`.
pub fn get<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &dyn Fn(&T1, &T1) -> std::cmp::Ordering,
    st: StateP<T1, T2>,
    tk: rt::List<u64>,
    k: T1,
) -> Option<(Option<T2>, rt::List<u64>)> {
    {
        match vle(tk.clone(), {
            match st.clone() {
                StateP::MkSt(_, clock0, _) => clock0,
            }
        }) {
            true => Some((
                find0::<T1, T2>(kcmp, k, {
                    match st.clone() {
                        StateP::MkSt(_, _, store0) => store0,
                    }
                }),
                {
                    match get_merge() {
                        true => vmax(tk.clone(), {
                            match st.clone() {
                                StateP::MkSt(_, clock0_1, _) => clock0_1,
                            }
                        }),
                        false => tk.clone(),
                    }
                },
            )),
            false => Option::<(Option<T2>, rt::List<u64>)>::None,
        }
    }
}

/// `deliverable`.
pub fn deliverable<T1: Clone + 'static, T2: Clone + 'static>(
    st: StateP<T1, T2>,
    m: MsgP<T1, T2>,
) -> bool {
    {
        match eqb(
            rt::succ(nth::<u64>(
                {
                    match m.clone() {
                        MsgP::MkMsg(morig0, _, _, _, _) => morig0,
                    }
                },
                {
                    match st.clone() {
                        StateP::MkSt(_, clock0, _) => clock0,
                    }
                },
                0u64,
            )),
            {
                match m.clone() {
                    MsgP::MkMsg(_, mseq0, _, _, _) => mseq0,
                }
            },
        ) {
            true => vle(
                vset(
                    {
                        match m.clone() {
                            MsgP::MkMsg(_, _, mdeps0, _, _) => mdeps0,
                        }
                    },
                    {
                        match m.clone() {
                            MsgP::MkMsg(morig0_1, _, _, _, _) => morig0_1,
                        }
                    },
                    0u64,
                ),
                {
                    match st.clone() {
                        StateP::MkSt(_, clock0_1, _) => clock0_1,
                    }
                },
            ),
            false => false,
        }
    }
}

/// `apply`.
pub fn apply<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &dyn Fn(&T1, &T1) -> std::cmp::Ordering,
    st: StateP<T1, T2>,
    m: MsgP<T1, T2>,
) -> StateP<T1, T2> {
    StateP::<T1, T2>::MkSt(
        {
            match st.clone() {
                StateP::MkSt(me0, _, _) => me0,
            }
        },
        vset(
            {
                match st.clone() {
                    StateP::MkSt(_, clock0, _) => clock0,
                }
            },
            {
                match m.clone() {
                    MsgP::MkMsg(morig0, _, _, _, _) => morig0,
                }
            },
            {
                match m.clone() {
                    MsgP::MkMsg(_, mseq0, _, _, _) => mseq0,
                }
            },
        ),
        add::<T1, T2>(
            kcmp,
            {
                match m.clone() {
                    MsgP::MkMsg(_, _, _, mkey0, _) => mkey0,
                }
            },
            {
                match m.clone() {
                    MsgP::MkMsg(_, _, _, _, mval0) => mval0,
                }
            },
            {
                match st.clone() {
                    StateP::MkSt(_, _, store0) => store0,
                }
            },
        ),
    )
}

/// `rst`.
pub fn rst<T1: Clone + 'static>(s: Sys<T1>) -> Rc<dyn Fn(u64) -> StateP<T1, u64>> {
    {
        match s {
            Sys::MkSys(rst0, _, _, _) => rst0,
        }
    }
}

/// `tok`.
pub fn tok<T1: Clone + 'static>(s: Sys<T1>) -> Rc<dyn Fn(u64) -> rt::List<u64>> {
    {
        match s {
            Sys::MkSys(_, tok0, _, _) => tok0,
        }
    }
}

/// `net`.
pub fn net<T1: Clone + 'static>(s: Sys<T1>) -> rt::List<(u64, MsgP<T1, u64>)> {
    {
        match s {
            Sys::MkSys(_, _, net0, _) => net0,
        }
    }
}

/// `nextv`.
pub fn nextv<T1: Clone + 'static>(s: Sys<T1>) -> u64 {
    {
        match s {
            Sys::MkSys(_, _, _, nextv0) => nextv0,
        }
    }
}

/// `sys0`.
pub fn sys0<T1: Clone + 'static>(n: u64) -> Sys<T1> {
    Sys::<T1>::MkSys(
        {
            let n = n.clone();
            Rc::new(move |r: u64| -> StateP<T1, u64> { init::<T1, u64>(n.clone(), r) })
                as Rc<dyn Fn(u64) -> StateP<T1, u64>>
        },
        {
            let n = n.clone();
            Rc::new(move |_x: u64| -> rt::List<u64> { token0(n.clone()) })
                as Rc<dyn Fn(u64) -> rt::List<u64>>
        },
        rt::List::<(u64, MsgP<T1, u64>)>::nil(),
        0u64,
    )
}

/// `broadcast`.
pub fn broadcast<T1: Clone + 'static>(
    n: u64,
    r: u64,
    m: MsgP<T1, u64>,
) -> rt::List<(u64, MsgP<T1, u64>)> {
    map::<u64, (u64, MsgP<T1, u64>)>(
        &{
            let __f = {
                let m = m.clone();
                Rc::new(move |j: u64| -> (u64, MsgP<T1, u64>) { (j, m.clone()) })
                    as Rc<dyn Fn(u64) -> (u64, MsgP<T1, u64>)>
            };
            move |__a: &u64| -> (u64, MsgP<T1, u64>) { __f(__a.clone()) }
        },
        filter::<u64>(
            &{
                let __f_1 = {
                    let r = r.clone();
                    Rc::new(move |j_1: u64| -> bool { negb(eqb(j_1, r.clone())) })
                        as Rc<dyn Fn(u64) -> bool>
                };
                move |__a_1: &u64| -> bool { __f_1(__a_1.clone()) }
            },
            seq(0u64, n),
        ),
    )
}

/// `find_write`.
pub fn find_write<T1: Clone + 'static>(ab: Astate<T1>, i: u64) -> Option<Write<T1>> {
    find::<Write<T1>>(
        &{
            let __f = {
                let i = i.clone();
                Rc::new(move |w: Write<T1>| -> bool {
                    eqb(
                        {
                            match w {
                                Write::MkW(wid, _, _, _, _, _, _, _) => wid,
                            }
                        },
                        i.clone(),
                    )
                }) as Rc<dyn Fn(Write<T1>) -> bool>
            };
            move |__a: &Write<T1>| -> bool { __f(__a.clone()) }
        },
        {
            match ab {
                Astate::MkA(_, _, _, _, allw, _) => allw,
            }
        },
    )
}

/// `res_write`.
pub fn res_write<T1: Clone + 'static>(ab: Astate<T1>, res: Option<u64>) -> Option<Write<T1>> {
    {
        match res {
            Some(i) => find_write::<T1>(ab, i),
            None => Option::<Write<T1>>::None,
        }
    }
}

/// `cv_stamp`.
pub fn cv_stamp<T1: Clone + 'static>(x: Sys<T1>, r: u64) -> (u64, u64) {
    (
        rt::succ(nth::<u64>(
            r.clone(),
            {
                match {
                    match x {
                        Sys::MkSys(rst0, _, _, _) => rst0(r.clone()),
                    }
                } {
                    StateP::MkSt(_, clock0, _) => clock0,
                }
            },
            0u64,
        )),
        r.clone(),
    )
}

/// `cv_msg_id`.
pub fn cv_msg_id<T1: Clone + 'static>(m: MsgP<T1, u64>) -> u64 {
    {
        match m {
            MsgP::MkMsg(_, _, _, _, mval0) => mval0,
        }
    }
}
