// generated from extracted/stores/causal-function-store/rocq/store.json by miniml2rust; do not edit
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
        Rc<dyn Fn(&u64) -> rt::List<Write<K>>>,
        Rc<dyn Fn(&u64) -> rt::List<Write<K>>>,
        Rc<dyn Fn(&u64) -> rt::List<Write<K>>>,
        Rc<dyn Fn(&u64) -> rt::List<u64>>,
        rt::List<Write<K>>,
        u64,
    ),
}

/// Inductive `state'`.
#[derive(Clone)]
pub enum StateP<K, V> {
    MkSt(u64, rt::List<u64>, Rc<dyn Fn(&K) -> Option<V>>),
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
        Rc<dyn Fn(&u64) -> StateP<K, u64>>,
        Rc<dyn Fn(&u64) -> rt::List<u64>>,
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

/// `eqb` (native).
pub fn eqb(n: u64, m: u64) -> bool {
    n == m
}

/// `leb` (native).
pub fn leb(n: u64, m: u64) -> bool {
    n <= m
}

/// `max` (native).
pub fn max(n: u64, m: u64) -> u64 {
    std::cmp::max(n, m)
}

/// `nth`.
pub fn nth<T1: Clone + 'static>(n: u64, l: &rt::List<T1>, default: &T1) -> T1 {
    {
        match n {
            0 => match l.view() {
                None => default.clone(),
                Some((x, _)) => x.clone(),
            },
            __n @ 1.. => {
                let m = __n - 1;
                {
                    match l.view() {
                        None => default.clone(),
                        Some((_, t0)) => nth::<T1>(m, t0, default),
                    }
                }
            }
        }
    }
}

/// `map`.
pub fn map<T1: Clone + 'static, T2: Clone + 'static>(
    f: &(impl Fn(&T1) -> T2 + ?Sized),
    l: &rt::List<T1>,
) -> rt::List<T2> {
    {
        match l.view() {
            None => rt::List::<T2>::nil(),
            Some((a, t0)) => rt::List::cons(f(a), map::<T1, T2>(f, t0)),
        }
    }
}

/// `filter`.
pub fn filter<T1: Clone + 'static>(
    f: &(impl Fn(&T1) -> bool + ?Sized),
    l: &rt::List<T1>,
) -> rt::List<T1> {
    {
        match l.view() {
            None => rt::List::<T1>::nil(),
            Some((x, l0)) => match f(x) {
                true => rt::List::cons(x.clone(), filter::<T1>(f, l0)),
                false => filter::<T1>(f, l0),
            },
        }
    }
}

/// `find`.
pub fn find<T1: Clone + 'static>(
    f: &(impl Fn(&T1) -> bool + ?Sized),
    l: &rt::List<T1>,
) -> Option<T1> {
    {
        match l.view() {
            None => Option::<T1>::None,
            Some((x, tl)) => match f(x) {
                true => Some(x.clone()),
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
                rt::List::cons(start, seq(rt::succ(start), len0))
            }
        }
    }
}

/// `keq`.
pub fn keq<T1: Clone + 'static>(
    kcmp: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
    a: &T1,
    b: &T1,
) -> bool {
    {
        match kcmp(a, b) {
            std::cmp::Ordering::Equal => true,
            _ => false,
        }
    }
}

/// `empty`.
pub fn empty<T1: Clone + 'static, T2: Clone + 'static>(_x: &T1) -> Option<T2> {
    Option::<T2>::None
}

/// `find0`.
pub fn find0<T1: Clone + 'static, T2: Clone + 'static>(
    _x: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
    k: &T1,
    s: &(impl Fn(&T1) -> Option<T2> + ?Sized),
) -> Option<T2> {
    s(k)
}

/// `add`.
pub fn add<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
    k: &T1,
    v: &T2,
    s: &(impl Fn(&T1) -> Option<T2> + ?Sized),
    k_p: &T1,
) -> Option<T2> {
    {
        match keq::<T1>(kcmp, k, k_p) {
            true => Some(v.clone()),
            false => s(k_p),
        }
    }
}

/// `vset`.
pub fn vset(v: rt::List<u64>, i: u64, x: u64) -> rt::List<u64> {
    {
        match i {
            0 => match (v).into_cell() {
                None => rt::List::cons(x, rt::List::<u64>::nil()),
                Some(mut __p) => {
                    let __m = __p.parts();
                    {
                        let __w = x;
                        __m.head = __w;
                        __p.into_list()
                    }
                }
            },
            __n @ 1.. => {
                let i_p = __n - 1;
                {
                    match (v).into_cell() {
                        None => rt::List::cons(0u64, vset(rt::List::<u64>::nil(), i_p, x)),
                        Some(mut __p_1) => {
                            let __m_1 = __p_1.parts();
                            {
                                let __w_1 = vset(
                                    std::mem::replace(&mut __m_1.tail, rt::List::<u64>::nil()),
                                    i_p,
                                    x,
                                );
                                __m_1.tail = __w_1;
                                __p_1.into_list()
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `vle`.
pub fn vle(a: &rt::List<u64>, b: &rt::List<u64>) -> bool {
    {
        match a.view() {
            None => true,
            Some((x, a_p)) => match b.view() {
                None => match eqb(*x, 0u64) {
                    true => vle(a_p, &(rt::List::<u64>::nil())),
                    false => false,
                },
                Some((y, b_p)) => match leb(*x, *y) {
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
        match a.view() {
            None => b,
            Some((x, a_p)) => match (b).into_cell() {
                None => a,
                Some(mut __p) => {
                    let __m = __p.parts();
                    {
                        let __w = max(*x, __m.head);
                        let __w_1 = vmax(
                            a_p.clone(),
                            std::mem::replace(&mut __m.tail, rt::List::<u64>::nil()),
                        );
                        __m.head = __w;
                        __m.tail = __w_1;
                        __p.into_list()
                    }
                }
            },
        }
    }
}

/// `vjoin`.
pub fn vjoin(a: rt::List<u64>, b: rt::List<u64>) -> rt::List<u64> {
    {
        match vle(&a, &b) {
            true => b,
            false => vmax(a, b),
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
pub fn me<T1: Clone + 'static, T2: Clone + 'static>(s: &StateP<T1, T2>) -> u64 {
    {
        let StateP::MkSt(me0_1, _, _) = s;
        *me0_1
    }
}

/// `clock`.
pub fn clock<T1: Clone + 'static, T2: Clone + 'static>(s: StateP<T1, T2>) -> rt::List<u64> {
    {
        let StateP::MkSt(_, clock0_1, _) = s;
        clock0_1
    }
}

/// `store`.
pub fn store<T1: Clone + 'static, T2: Clone + 'static>(
    s: &StateP<T1, T2>,
) -> Rc<dyn Fn(&T1) -> Option<T2>> {
    {
        let StateP::MkSt(_, _, store0_1) = s;
        store0_1.clone()
    }
}

/// `morig`.
pub fn morig<T1: Clone + 'static, T2: Clone + 'static>(m: &MsgP<T1, T2>) -> u64 {
    {
        let MsgP::MkMsg(morig0_1, _, _, _, _) = m;
        *morig0_1
    }
}

/// `mseq`.
pub fn mseq<T1: Clone + 'static, T2: Clone + 'static>(m: &MsgP<T1, T2>) -> u64 {
    {
        let MsgP::MkMsg(_, mseq0_1, _, _, _) = m;
        *mseq0_1
    }
}

/// `mdeps`.
pub fn mdeps<T1: Clone + 'static, T2: Clone + 'static>(m: MsgP<T1, T2>) -> rt::List<u64> {
    {
        let MsgP::MkMsg(_, _, mdeps0_1, _, _) = m;
        mdeps0_1
    }
}

/// `mkey`.
pub fn mkey<T1: Clone + 'static, T2: Clone + 'static>(m: MsgP<T1, T2>) -> T1 {
    {
        let MsgP::MkMsg(_, _, _, mkey0_1, _) = m;
        mkey0_1
    }
}

/// `mval`.
pub fn mval<T1: Clone + 'static, T2: Clone + 'static>(m: MsgP<T1, T2>) -> T2 {
    {
        let MsgP::MkMsg(_, _, _, _, mval0_1) = m;
        mval0_1
    }
}

/// `init`.
pub fn init<T1: Clone + 'static, T2: Clone + 'static>(_x: u64, r: u64) -> StateP<T1, T2> {
    StateP::<T1, T2>::MkSt(
        r,
        rt::List::<u64>::nil(),
        Rc::new(move |__p: &T1| -> Option<T2> { empty::<T1, T2>(__p) })
            as Rc<dyn Fn(&T1) -> Option<T2>>,
    )
}

/// `token0`.
pub fn token0(_x: u64) -> rt::List<u64> {
    rt::List::<u64>::nil()
}

/// `put`.
pub fn put<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: Rc<dyn Fn(&T1) -> Rc<dyn Fn(&T1) -> std::cmp::Ordering>>,
    st: StateP<T1, T2>,
    tk: &rt::List<u64>,
    k: T1,
    v: T2,
) -> Option<((StateP<T1, T2>, rt::List<u64>), MsgP<T1, T2>)> {
    {
        let StateP::MkSt(me0_5, clock0_4, store0_1) = st;
        {
            match {
                match put_guard() {
                    true => negb(vle(tk, &clock0_4)),
                    false => false,
                }
            } {
                true => Option::<((StateP<T1, T2>, rt::List<u64>), MsgP<T1, T2>)>::None,
                false => {
                    let sq: u64 = rt::succ(nth::<u64>(me0_5, &clock0_4, &(0u64)));
                    Some((
                        (
                            StateP::<T1, T2>::MkSt(me0_5, vset(clock0_4.clone(), me0_5, sq), {
                                let __arg = kcmp;
                                let __arg_1 = k.clone();
                                let __arg_2 = v.clone();
                                let __arg_3 = store0_1;
                                Rc::new(move |__p: &T1| -> Option<T2> {
                                    add::<T1, T2>(
                                        &|__a: &T1, __a_1: &T1| -> std::cmp::Ordering {
                                            __arg(__a)(__a_1)
                                        },
                                        &__arg_1,
                                        &__arg_2,
                                        &|__a_2: &T1| -> Option<T2> { __arg_3(__a_2) },
                                        __p,
                                    )
                                }) as Rc<dyn Fn(&T1) -> Option<T2>>
                            }),
                            vset(tk.clone(), me0_5, sq),
                        ),
                        MsgP::<T1, T2>::MkMsg(me0_5, sq, clock0_4, k, v),
                    ))
                }
            }
        }
    }
}

/// `put`, answering `Ok(x)` for `Some x` and handing `st` back (`Err`) for `None`.
pub fn put__keep<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: Rc<dyn Fn(&T1) -> Rc<dyn Fn(&T1) -> std::cmp::Ordering>>,
    st: StateP<T1, T2>,
    tk: &rt::List<u64>,
    k: T1,
    v: T2,
) -> Result<((StateP<T1, T2>, rt::List<u64>), MsgP<T1, T2>), StateP<T1, T2>> {
    {
        let StateP::MkSt(me0_5, clock0_4, store0_1) = st;
        {
            match {
                match put_guard() {
                    true => negb(vle(tk, &clock0_4)),
                    false => false,
                }
            } {
                true => Err(StateP::<T1, T2>::MkSt(me0_5, clock0_4, store0_1)),
                false => {
                    let sq: u64 = rt::succ(nth::<u64>(me0_5, &clock0_4, &(0u64)));
                    Ok((
                        (
                            StateP::<T1, T2>::MkSt(me0_5, vset(clock0_4.clone(), me0_5, sq), {
                                let __arg = kcmp;
                                let __arg_1 = k.clone();
                                let __arg_2 = v.clone();
                                let __arg_3 = store0_1;
                                Rc::new(move |__p: &T1| -> Option<T2> {
                                    add::<T1, T2>(
                                        &|__a: &T1, __a_1: &T1| -> std::cmp::Ordering {
                                            __arg(__a)(__a_1)
                                        },
                                        &__arg_1,
                                        &__arg_2,
                                        &|__a_2: &T1| -> Option<T2> { __arg_3(__a_2) },
                                        __p,
                                    )
                                }) as Rc<dyn Fn(&T1) -> Option<T2>>
                            }),
                            vset(tk.clone(), me0_5, sq),
                        ),
                        MsgP::<T1, T2>::MkMsg(me0_5, sq, clock0_4, k, v),
                    ))
                }
            }
        }
    }
}

/// `get`.
pub fn get<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
    st: &StateP<T1, T2>,
    tk: &rt::List<u64>,
    k: &T1,
) -> Option<(Option<T2>, rt::List<u64>)> {
    {
        let StateP::MkSt(_, clock0_2, store0_1) = st;
        {
            match vle(tk, clock0_2) {
                true => Some((
                    find0::<T1, T2>(kcmp, k, &|__a: &T1| -> Option<T2> { store0_1(__a) }),
                    {
                        match get_merge() {
                            true => vjoin(tk.clone(), clock0_2.clone()),
                            false => tk.clone(),
                        }
                    },
                )),
                false => Option::<(Option<T2>, rt::List<u64>)>::None,
            }
        }
    }
}

/// `deliverable`.
pub fn deliverable<T1: Clone + 'static, T2: Clone + 'static>(
    st: &StateP<T1, T2>,
    m: &MsgP<T1, T2>,
) -> bool {
    {
        let StateP::MkSt(_, clock0_2, _) = st;
        {
            let MsgP::MkMsg(morig0_2, mseq0_1, mdeps0_1, _, _) = m;
            {
                match eqb(rt::succ(nth::<u64>(*morig0_2, clock0_2, &(0u64))), *mseq0_1) {
                    true => vle(&(vset(mdeps0_1.clone(), *morig0_2, 0u64)), clock0_2),
                    false => false,
                }
            }
        }
    }
}

/// `apply`.
pub fn apply<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: Rc<dyn Fn(&T1) -> Rc<dyn Fn(&T1) -> std::cmp::Ordering>>,
    st: StateP<T1, T2>,
    m: MsgP<T1, T2>,
) -> StateP<T1, T2> {
    {
        let StateP::MkSt(me0_1, clock0_1, store0_1) = st;
        {
            let MsgP::MkMsg(morig0_1, mseq0_1, _, mkey0_1, mval0_1) = m;
            StateP::<T1, T2>::MkSt(me0_1, vset(clock0_1, morig0_1, mseq0_1), {
                let __arg = kcmp;
                let __arg_1 = mkey0_1;
                let __arg_2 = mval0_1;
                let __arg_3 = store0_1;
                Rc::new(move |__p: &T1| -> Option<T2> {
                    add::<T1, T2>(
                        &|__a: &T1, __a_1: &T1| -> std::cmp::Ordering { __arg(__a)(__a_1) },
                        &__arg_1,
                        &__arg_2,
                        &|__a_2: &T1| -> Option<T2> { __arg_3(__a_2) },
                        __p,
                    )
                }) as Rc<dyn Fn(&T1) -> Option<T2>>
            })
        }
    }
}

/// `rst`.
pub fn rst<T1: Clone + 'static>(s: &Sys<T1>) -> Rc<dyn Fn(&u64) -> StateP<T1, u64>> {
    {
        let Sys::MkSys(rst0_1, _, _, _) = s;
        rst0_1.clone()
    }
}

/// `tok`.
pub fn tok<T1: Clone + 'static>(s: &Sys<T1>) -> Rc<dyn Fn(&u64) -> rt::List<u64>> {
    {
        let Sys::MkSys(_, tok0_1, _, _) = s;
        tok0_1.clone()
    }
}

/// `net`.
pub fn net<T1: Clone + 'static>(s: Sys<T1>) -> rt::List<(u64, MsgP<T1, u64>)> {
    {
        let Sys::MkSys(_, _, net0_1, _) = s;
        net0_1
    }
}

/// `nextv`.
pub fn nextv<T1: Clone + 'static>(s: &Sys<T1>) -> u64 {
    {
        let Sys::MkSys(_, _, _, nextv0_1) = s;
        *nextv0_1
    }
}

/// `sys0`.
pub fn sys0<T1: Clone + 'static>(n: u64) -> Sys<T1> {
    Sys::<T1>::MkSys(
        {
            let n = n.clone();
            Rc::new(move |r: &u64| -> StateP<T1, u64> { init::<T1, u64>(n, *r) })
                as Rc<dyn Fn(&u64) -> StateP<T1, u64>>
        },
        Rc::new(move |_x: &u64| -> rt::List<u64> { token0(n) })
            as Rc<dyn Fn(&u64) -> rt::List<u64>>,
        rt::List::<(u64, MsgP<T1, u64>)>::nil(),
        0u64,
    )
}

/// `broadcast`.
pub fn broadcast<T1: Clone + 'static>(
    n: u64,
    r: u64,
    m: &MsgP<T1, u64>,
) -> rt::List<(u64, MsgP<T1, u64>)> {
    map::<u64, (u64, MsgP<T1, u64>)>(
        &|j: &u64| -> (u64, MsgP<T1, u64>) { (*j, m.clone()) },
        &(filter::<u64>(&|j_1: &u64| -> bool { negb(eqb(*j_1, r)) }, &(seq(0u64, n)))),
    )
}

/// `find_write`.
pub fn find_write<T1: Clone + 'static>(ab: &Astate<T1>, i: u64) -> Option<Write<T1>> {
    {
        let Astate::MkA(_, _, _, _, allw_1, _) = ab;
        find::<Write<T1>>(
            &|w: &Write<T1>| -> bool {
                eqb(
                    {
                        match w {
                            Write::MkW(wid, _, _, _, _, _, _, _) => *wid,
                        }
                    },
                    i,
                )
            },
            allw_1,
        )
    }
}

/// `res_write`.
pub fn res_write<T1: Clone + 'static>(ab: &Astate<T1>, res: Option<u64>) -> Option<Write<T1>> {
    {
        match res {
            Some(i) => find_write::<T1>(ab, i),
            None => Option::<Write<T1>>::None,
        }
    }
}

/// `cv_stamp`.
pub fn cv_stamp<T1: Clone + 'static>(x: &Sys<T1>, r: u64) -> (u64, u64) {
    {
        let Sys::MkSys(rst0_1, _, _, _) = x;
        (
            rt::succ(nth::<u64>(
                r,
                &({
                    match rst0_1(&r) {
                        StateP::MkSt(_, clock0, _) => clock0,
                    }
                }),
                &(0u64),
            )),
            r,
        )
    }
}

/// `cv_msg_id`.
pub fn cv_msg_id<T1: Clone + 'static>(m: &MsgP<T1, u64>) -> u64 {
    {
        let MsgP::MkMsg(_, _, _, _, mval0_1) = m;
        *mval0_1
    }
}
