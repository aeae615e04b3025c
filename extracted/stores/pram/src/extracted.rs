// generated from extracted/stores/pram/rocq/store.json by miniml2rust; do not edit
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

/// Inductive `tree`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Tree<K, V> {
    Leaf,
    Node(Rc<(Tree<K, V>, K, V, Tree<K, V>, u64)>),
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

/// `empty`.
pub fn empty<T1: Clone + 'static, T2: Clone + 'static>() -> Tree<T1, T2> {
    Tree::<T1, T2>::Leaf
}

/// `height`.
pub fn height<T1: Clone + 'static, T2: Clone + 'static>(s: &Tree<T1, T2>) -> u64 {
    {
        match s {
            Tree::Leaf => 0u64,
            Tree::Node(__p) => {
                let (_, _, _, _, h) = &**__p;
                *h
            }
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
    {
        let __h = rt::succ(max(height::<T1, T2>(&l), height::<T1, T2>(&r)));
        Tree::<T1, T2>::Node(Rc::new((l, k, v, r, __h)))
    }
}

/// `bal`.
pub fn bal<T1: Clone + 'static, T2: Clone + 'static>(
    l: Tree<T1, T2>,
    k: T1,
    v: T2,
    r: Tree<T1, T2>,
) -> Tree<T1, T2> {
    {
        match ltb(rt::succ(height::<T1, T2>(&r)), height::<T1, T2>(&l)) {
            true => match &l {
                Tree::Leaf => {
                    let __h = rt::succ(max(height::<T1, T2>(&l), height::<T1, T2>(&r)));
                    Tree::<T1, T2>::Node(Rc::new((l, k, v, r, __h)))
                }
                Tree::Node(__p_1) => {
                    let (ll, lk, lv, lr, _) = &**__p_1;
                    {
                        match leb(height::<T1, T2>(lr), height::<T1, T2>(ll)) {
                            true => {
                                let r_2: Tree<T1, T2> = {
                                    let __h_2 =
                                        rt::succ(max(height::<T1, T2>(lr), height::<T1, T2>(&r)));
                                    Tree::<T1, T2>::Node(Rc::new((lr.clone(), k, v, r, __h_2)))
                                };
                                {
                                    let __h_1 =
                                        rt::succ(max(height::<T1, T2>(ll), height::<T1, T2>(&r_2)));
                                    Tree::<T1, T2>::Node(Rc::new((
                                        ll.clone(),
                                        lk.clone(),
                                        lv.clone(),
                                        r_2,
                                        __h_1,
                                    )))
                                }
                            }
                            false => match lr {
                                Tree::Leaf => {
                                    let __h_3 =
                                        rt::succ(max(height::<T1, T2>(&l), height::<T1, T2>(&r)));
                                    Tree::<T1, T2>::Node(Rc::new((l, k, v, r, __h_3)))
                                }
                                Tree::Node(__p) => {
                                    let (lrl, lrk, lrv, lrr, _) = &**__p;
                                    {
                                        let l_5: Tree<T1, T2> = {
                                            let __h_6 = rt::succ(max(
                                                height::<T1, T2>(ll),
                                                height::<T1, T2>(lrl),
                                            ));
                                            Tree::<T1, T2>::Node(Rc::new((
                                                ll.clone(),
                                                lk.clone(),
                                                lv.clone(),
                                                lrl.clone(),
                                                __h_6,
                                            )))
                                        };
                                        {
                                            let r_5: Tree<T1, T2> = {
                                                let __h_5 = rt::succ(max(
                                                    height::<T1, T2>(lrr),
                                                    height::<T1, T2>(&r),
                                                ));
                                                Tree::<T1, T2>::Node(Rc::new((
                                                    lrr.clone(),
                                                    k,
                                                    v,
                                                    r,
                                                    __h_5,
                                                )))
                                            };
                                            {
                                                let __h_4 = rt::succ(max(
                                                    height::<T1, T2>(&l_5),
                                                    height::<T1, T2>(&r_5),
                                                ));
                                                Tree::<T1, T2>::Node(Rc::new((
                                                    l_5,
                                                    lrk.clone(),
                                                    lrv.clone(),
                                                    r_5,
                                                    __h_4,
                                                )))
                                            }
                                        }
                                    }
                                }
                            },
                        }
                    }
                }
            },
            false => match ltb(rt::succ(height::<T1, T2>(&l)), height::<T1, T2>(&r)) {
                true => match &r {
                    Tree::Leaf => {
                        let __h_7 = rt::succ(max(height::<T1, T2>(&l), height::<T1, T2>(&r)));
                        Tree::<T1, T2>::Node(Rc::new((l, k, v, r, __h_7)))
                    }
                    Tree::Node(__p_3) => {
                        let (rl, rk, rv, rr, _) = &**__p_3;
                        {
                            match leb(height::<T1, T2>(rl), height::<T1, T2>(rr)) {
                                true => {
                                    let l_9: Tree<T1, T2> = {
                                        let __h_9 = rt::succ(max(
                                            height::<T1, T2>(&l),
                                            height::<T1, T2>(rl),
                                        ));
                                        Tree::<T1, T2>::Node(Rc::new((l, k, v, rl.clone(), __h_9)))
                                    };
                                    {
                                        let __h_8 = rt::succ(max(
                                            height::<T1, T2>(&l_9),
                                            height::<T1, T2>(rr),
                                        ));
                                        Tree::<T1, T2>::Node(Rc::new((
                                            l_9,
                                            rk.clone(),
                                            rv.clone(),
                                            rr.clone(),
                                            __h_8,
                                        )))
                                    }
                                }
                                false => match rl {
                                    Tree::Leaf => {
                                        let __h_10 = rt::succ(max(
                                            height::<T1, T2>(&l),
                                            height::<T1, T2>(&r),
                                        ));
                                        Tree::<T1, T2>::Node(Rc::new((l, k, v, r, __h_10)))
                                    }
                                    Tree::Node(__p_2) => {
                                        let (rll, rlk, rlv, rlr, _) = &**__p_2;
                                        {
                                            let l_12: Tree<T1, T2> = {
                                                let __h_13 = rt::succ(max(
                                                    height::<T1, T2>(&l),
                                                    height::<T1, T2>(rll),
                                                ));
                                                Tree::<T1, T2>::Node(Rc::new((
                                                    l,
                                                    k,
                                                    v,
                                                    rll.clone(),
                                                    __h_13,
                                                )))
                                            };
                                            {
                                                let r_12: Tree<T1, T2> = {
                                                    let __h_12 = rt::succ(max(
                                                        height::<T1, T2>(rlr),
                                                        height::<T1, T2>(rr),
                                                    ));
                                                    Tree::<T1, T2>::Node(Rc::new((
                                                        rlr.clone(),
                                                        rk.clone(),
                                                        rv.clone(),
                                                        rr.clone(),
                                                        __h_12,
                                                    )))
                                                };
                                                {
                                                    let __h_11 = rt::succ(max(
                                                        height::<T1, T2>(&l_12),
                                                        height::<T1, T2>(&r_12),
                                                    ));
                                                    Tree::<T1, T2>::Node(Rc::new((
                                                        l_12,
                                                        rlk.clone(),
                                                        rlv.clone(),
                                                        r_12,
                                                        __h_11,
                                                    )))
                                                }
                                            }
                                        }
                                    }
                                },
                            }
                        }
                    }
                },
                false => {
                    let __h_14 = rt::succ(max(height::<T1, T2>(&l), height::<T1, T2>(&r)));
                    Tree::<T1, T2>::Node(Rc::new((l, k, v, r, __h_14)))
                }
            },
        }
    }
}

/// `find0`.
pub fn find0<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
    k: &T1,
    s: &Tree<T1, T2>,
) -> Option<T2> {
    {
        match s {
            Tree::Leaf => Option::<T2>::None,
            Tree::Node(__p) => {
                let (l, x, v, r, _) = &**__p;
                {
                    match kcmp(k, x) {
                        std::cmp::Ordering::Equal => Some(v.clone()),
                        std::cmp::Ordering::Less => find0::<T1, T2>(kcmp, k, l),
                        std::cmp::Ordering::Greater => find0::<T1, T2>(kcmp, k, r),
                    }
                }
            }
        }
    }
}

/// `add`.
pub fn add<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
    k: &T1,
    v: T2,
    s: Tree<T1, T2>,
) -> Tree<T1, T2> {
    {
        match s {
            Tree::Leaf => Tree::<T1, T2>::Node(Rc::new((
                Tree::<T1, T2>::Leaf,
                k.clone(),
                v,
                Tree::<T1, T2>::Leaf,
                1u64,
            ))),
            Tree::Node(mut __p) => {
                let __m = Rc::make_mut(&mut __p);
                {
                    match kcmp(k, &__m.1) {
                        std::cmp::Ordering::Equal => {
                            let __w = v;
                            __m.2 = __w;
                            Tree::Node(__p)
                        }
                        std::cmp::Ordering::Less => {
                            let l_1: Tree<T1, T2> = add::<T1, T2>(
                                kcmp,
                                k,
                                v,
                                std::mem::replace(&mut __m.0, Tree::<T1, T2>::Leaf),
                            );
                            {
                                match ltb(
                                    rt::succ(height::<T1, T2>(&__m.3)),
                                    height::<T1, T2>(&l_1),
                                ) {
                                    true => match &l_1 {
                                        Tree::Leaf => {
                                            let __h = rt::succ(max(
                                                height::<T1, T2>(&l_1),
                                                height::<T1, T2>(&__m.3),
                                            ));
                                            let __w_1 = l_1;
                                            let __w_2 = __h;
                                            __m.0 = __w_1;
                                            __m.4 = __w_2;
                                            Tree::Node(__p)
                                        }
                                        Tree::Node(__p_2) => {
                                            let (ll, lk, lv, lr, _) = &**__p_2;
                                            {
                                                match leb(
                                                    height::<T1, T2>(lr),
                                                    height::<T1, T2>(ll),
                                                ) {
                                                    true => {
                                                        let r_3: Tree<T1, T2> = {
                                                            let __h_2 = rt::succ(max(
                                                                height::<T1, T2>(lr),
                                                                height::<T1, T2>(&__m.3),
                                                            ));
                                                            Tree::<T1, T2>::Node(Rc::new((
                                                                lr.clone(),
                                                                __m.1.clone(),
                                                                __m.2.clone(),
                                                                std::mem::replace(
                                                                    &mut __m.3,
                                                                    Tree::<T1, T2>::Leaf,
                                                                ),
                                                                __h_2,
                                                            )))
                                                        };
                                                        {
                                                            let __h_1 = rt::succ(max(
                                                                height::<T1, T2>(ll),
                                                                height::<T1, T2>(&r_3),
                                                            ));
                                                            let __w_3 = ll.clone();
                                                            let __w_4 = lk.clone();
                                                            let __w_5 = lv.clone();
                                                            let __w_6 = r_3;
                                                            let __w_7 = __h_1;
                                                            __m.0 = __w_3;
                                                            __m.1 = __w_4;
                                                            __m.2 = __w_5;
                                                            __m.3 = __w_6;
                                                            __m.4 = __w_7;
                                                            Tree::Node(__p)
                                                        }
                                                    }
                                                    false => match lr {
                                                        Tree::Leaf => {
                                                            let __h_3 = rt::succ(max(
                                                                height::<T1, T2>(&l_1),
                                                                height::<T1, T2>(&__m.3),
                                                            ));
                                                            let __w_8 = l_1;
                                                            let __w_9 = __h_3;
                                                            __m.0 = __w_8;
                                                            __m.4 = __w_9;
                                                            Tree::Node(__p)
                                                        }
                                                        Tree::Node(__p_1) => {
                                                            let (lrl, lrk, lrv, lrr, _) = &**__p_1;
                                                            {
                                                                let l_6: Tree<T1, T2> = {
                                                                    let __h_6 = rt::succ(max(
                                                                        height::<T1, T2>(ll),
                                                                        height::<T1, T2>(lrl),
                                                                    ));
                                                                    Tree::<T1, T2>::Node(Rc::new((
                                                                        ll.clone(),
                                                                        lk.clone(),
                                                                        lv.clone(),
                                                                        lrl.clone(),
                                                                        __h_6,
                                                                    )))
                                                                };
                                                                {
                                                                    let r_6: Tree<T1, T2> = {
                                                                        let __h_5 = rt::succ(max(
                                                                            height::<T1, T2>(lrr),
                                                                            height::<T1, T2>(
                                                                                &__m.3,
                                                                            ),
                                                                        ));
                                                                        Tree::<T1, T2>::Node(Rc::new((lrr.clone(), __m.1.clone(), __m.2.clone(), std::mem::replace(&mut __m.3, Tree::<T1, T2>::Leaf), __h_5)))
                                                                    };
                                                                    {
                                                                        let __h_4 = rt::succ(max(
                                                                            height::<T1, T2>(&l_6),
                                                                            height::<T1, T2>(&r_6),
                                                                        ));
                                                                        let __w_10 = l_6;
                                                                        let __w_11 = lrk.clone();
                                                                        let __w_12 = lrv.clone();
                                                                        let __w_13 = r_6;
                                                                        let __w_14 = __h_4;
                                                                        __m.0 = __w_10;
                                                                        __m.1 = __w_11;
                                                                        __m.2 = __w_12;
                                                                        __m.3 = __w_13;
                                                                        __m.4 = __w_14;
                                                                        Tree::Node(__p)
                                                                    }
                                                                }
                                                            }
                                                        }
                                                    },
                                                }
                                            }
                                        }
                                    },
                                    false => {
                                        match ltb(
                                            rt::succ(height::<T1, T2>(&l_1)),
                                            height::<T1, T2>(&__m.3),
                                        ) {
                                            true => {
                                                match &__m.3 {
                                                    Tree::Leaf => {
                                                        let __h_7 = rt::succ(max(
                                                            height::<T1, T2>(&l_1),
                                                            height::<T1, T2>(&__m.3),
                                                        ));
                                                        let __w_15 = l_1;
                                                        let __w_16 = __h_7;
                                                        __m.0 = __w_15;
                                                        __m.4 = __w_16;
                                                        Tree::Node(__p)
                                                    }
                                                    Tree::Node(__p_4) => {
                                                        let (rl, rk, rv, rr, _) = &**__p_4;
                                                        {
                                                            match leb(
                                                                height::<T1, T2>(rl),
                                                                height::<T1, T2>(rr),
                                                            ) {
                                                                true => {
                                                                    let l_10: Tree<T1, T2> = {
                                                                        let __h_9 = rt::succ(max(
                                                                            height::<T1, T2>(&l_1),
                                                                            height::<T1, T2>(rl),
                                                                        ));
                                                                        Tree::<T1, T2>::Node(
                                                                            Rc::new((
                                                                                l_1,
                                                                                __m.1.clone(),
                                                                                __m.2.clone(),
                                                                                rl.clone(),
                                                                                __h_9,
                                                                            )),
                                                                        )
                                                                    };
                                                                    {
                                                                        let __h_8 = rt::succ(max(
                                                                            height::<T1, T2>(&l_10),
                                                                            height::<T1, T2>(rr),
                                                                        ));
                                                                        let __w_17 = l_10;
                                                                        let __w_18 = rk.clone();
                                                                        let __w_19 = rv.clone();
                                                                        let __w_20 = rr.clone();
                                                                        let __w_21 = __h_8;
                                                                        __m.0 = __w_17;
                                                                        __m.1 = __w_18;
                                                                        __m.2 = __w_19;
                                                                        __m.3 = __w_20;
                                                                        __m.4 = __w_21;
                                                                        Tree::Node(__p)
                                                                    }
                                                                }
                                                                false => {
                                                                    match rl {
                                                                        Tree::Leaf => {
                                                                            let __h_10 = rt::succ(
                                                                                max(
                                                                                    height::<T1, T2>(
                                                                                        &l_1,
                                                                                    ),
                                                                                    height::<T1, T2>(
                                                                                        &__m.3,
                                                                                    ),
                                                                                ),
                                                                            );
                                                                            let __w_22 = l_1;
                                                                            let __w_23 = __h_10;
                                                                            __m.0 = __w_22;
                                                                            __m.4 = __w_23;
                                                                            Tree::Node(__p)
                                                                        }
                                                                        Tree::Node(__p_3) => {
                                                                            let (
                                                                                rll,
                                                                                rlk,
                                                                                rlv,
                                                                                rlr,
                                                                                _,
                                                                            ) = &**__p_3;
                                                                            {
                                                                                let l_13: Tree<
                                                                                    T1,
                                                                                    T2,
                                                                                > = {
                                                                                    let __h_13 = rt::succ(max(height::<T1, T2>(&l_1), height::<T1, T2>(rll)));
                                                                                    Tree::<T1, T2>::Node(Rc::new((l_1, __m.1.clone(), __m.2.clone(), rll.clone(), __h_13)))
                                                                                };
                                                                                {
                                                                                    let r_13: Tree<
                                                                                        T1,
                                                                                        T2,
                                                                                    > = {
                                                                                        let __h_12 = rt::succ(max(height::<T1, T2>(rlr), height::<T1, T2>(rr)));
                                                                                        Tree::<T1, T2>::Node(Rc::new((rlr.clone(), rk.clone(), rv.clone(), rr.clone(), __h_12)))
                                                                                    };
                                                                                    {
                                                                                        let __h_11 = rt::succ(max(height::<T1, T2>(&l_13), height::<T1, T2>(&r_13)));
                                                                                        let __w_24 =
                                                                                            l_13;
                                                                                        let __w_25 = rlk.clone();
                                                                                        let __w_26 = rlv.clone();
                                                                                        let __w_27 =
                                                                                            r_13;
                                                                                        let __w_28 =
                                                                                            __h_11;
                                                                                        __m.0 =
                                                                                            __w_24;
                                                                                        __m.1 =
                                                                                            __w_25;
                                                                                        __m.2 =
                                                                                            __w_26;
                                                                                        __m.3 =
                                                                                            __w_27;
                                                                                        __m.4 =
                                                                                            __w_28;
                                                                                        Tree::Node(
                                                                                            __p,
                                                                                        )
                                                                                    }
                                                                                }
                                                                            }
                                                                        }
                                                                    }
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                            false => {
                                                let __h_14 = rt::succ(max(
                                                    height::<T1, T2>(&l_1),
                                                    height::<T1, T2>(&__m.3),
                                                ));
                                                let __w_29 = l_1;
                                                let __w_30 = __h_14;
                                                __m.0 = __w_29;
                                                __m.4 = __w_30;
                                                Tree::Node(__p)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        std::cmp::Ordering::Greater => {
                            let r_17: Tree<T1, T2> = add::<T1, T2>(
                                kcmp,
                                k,
                                v,
                                std::mem::replace(&mut __m.3, Tree::<T1, T2>::Leaf),
                            );
                            {
                                match ltb(
                                    rt::succ(height::<T1, T2>(&r_17)),
                                    height::<T1, T2>(&__m.0),
                                ) {
                                    true => match &__m.0 {
                                        Tree::Leaf => {
                                            let __h_15 = rt::succ(max(
                                                height::<T1, T2>(&__m.0),
                                                height::<T1, T2>(&r_17),
                                            ));
                                            let __w_31 = r_17;
                                            let __w_32 = __h_15;
                                            __m.3 = __w_31;
                                            __m.4 = __w_32;
                                            Tree::Node(__p)
                                        }
                                        Tree::Node(__p_6) => {
                                            let (ll_1, lk_1, lv_1, lr_1, _) = &**__p_6;
                                            {
                                                match leb(
                                                    height::<T1, T2>(lr_1),
                                                    height::<T1, T2>(ll_1),
                                                ) {
                                                    true => {
                                                        let r_19: Tree<T1, T2> = {
                                                            let __h_17 = rt::succ(max(
                                                                height::<T1, T2>(lr_1),
                                                                height::<T1, T2>(&r_17),
                                                            ));
                                                            Tree::<T1, T2>::Node(Rc::new((
                                                                lr_1.clone(),
                                                                __m.1.clone(),
                                                                __m.2.clone(),
                                                                r_17,
                                                                __h_17,
                                                            )))
                                                        };
                                                        {
                                                            let __h_16 = rt::succ(max(
                                                                height::<T1, T2>(ll_1),
                                                                height::<T1, T2>(&r_19),
                                                            ));
                                                            let __w_33 = ll_1.clone();
                                                            let __w_34 = lk_1.clone();
                                                            let __w_35 = lv_1.clone();
                                                            let __w_36 = r_19;
                                                            let __w_37 = __h_16;
                                                            __m.0 = __w_33;
                                                            __m.1 = __w_34;
                                                            __m.2 = __w_35;
                                                            __m.3 = __w_36;
                                                            __m.4 = __w_37;
                                                            Tree::Node(__p)
                                                        }
                                                    }
                                                    false => match lr_1 {
                                                        Tree::Leaf => {
                                                            let __h_18 = rt::succ(max(
                                                                height::<T1, T2>(&__m.0),
                                                                height::<T1, T2>(&r_17),
                                                            ));
                                                            let __w_38 = r_17;
                                                            let __w_39 = __h_18;
                                                            __m.3 = __w_38;
                                                            __m.4 = __w_39;
                                                            Tree::Node(__p)
                                                        }
                                                        Tree::Node(__p_5) => {
                                                            let (lrl_1, lrk_1, lrv_1, lrr_1, _) =
                                                                &**__p_5;
                                                            {
                                                                let l_22: Tree<T1, T2> = {
                                                                    let __h_21 = rt::succ(max(
                                                                        height::<T1, T2>(ll_1),
                                                                        height::<T1, T2>(lrl_1),
                                                                    ));
                                                                    Tree::<T1, T2>::Node(Rc::new((
                                                                        ll_1.clone(),
                                                                        lk_1.clone(),
                                                                        lv_1.clone(),
                                                                        lrl_1.clone(),
                                                                        __h_21,
                                                                    )))
                                                                };
                                                                {
                                                                    let r_22: Tree<T1, T2> = {
                                                                        let __h_20 = rt::succ(max(
                                                                            height::<T1, T2>(lrr_1),
                                                                            height::<T1, T2>(&r_17),
                                                                        ));
                                                                        Tree::<T1, T2>::Node(
                                                                            Rc::new((
                                                                                lrr_1.clone(),
                                                                                __m.1.clone(),
                                                                                __m.2.clone(),
                                                                                r_17,
                                                                                __h_20,
                                                                            )),
                                                                        )
                                                                    };
                                                                    {
                                                                        let __h_19 = rt::succ(max(
                                                                            height::<T1, T2>(&l_22),
                                                                            height::<T1, T2>(&r_22),
                                                                        ));
                                                                        let __w_40 = l_22;
                                                                        let __w_41 = lrk_1.clone();
                                                                        let __w_42 = lrv_1.clone();
                                                                        let __w_43 = r_22;
                                                                        let __w_44 = __h_19;
                                                                        __m.0 = __w_40;
                                                                        __m.1 = __w_41;
                                                                        __m.2 = __w_42;
                                                                        __m.3 = __w_43;
                                                                        __m.4 = __w_44;
                                                                        Tree::Node(__p)
                                                                    }
                                                                }
                                                            }
                                                        }
                                                    },
                                                }
                                            }
                                        }
                                    },
                                    false => {
                                        match ltb(
                                            rt::succ(height::<T1, T2>(&__m.0)),
                                            height::<T1, T2>(&r_17),
                                        ) {
                                            true => {
                                                match &r_17 {
                                                    Tree::Leaf => {
                                                        let __h_22 = rt::succ(max(
                                                            height::<T1, T2>(&__m.0),
                                                            height::<T1, T2>(&r_17),
                                                        ));
                                                        let __w_45 = r_17;
                                                        let __w_46 = __h_22;
                                                        __m.3 = __w_45;
                                                        __m.4 = __w_46;
                                                        Tree::Node(__p)
                                                    }
                                                    Tree::Node(__p_8) => {
                                                        let (rl_1, rk_1, rv_1, rr_1, _) = &**__p_8;
                                                        {
                                                            match leb(
                                                                height::<T1, T2>(rl_1),
                                                                height::<T1, T2>(rr_1),
                                                            ) {
                                                                true => {
                                                                    let l_26: Tree<T1, T2> = {
                                                                        let __h_24 = rt::succ(max(
                                                                            height::<T1, T2>(
                                                                                &__m.0,
                                                                            ),
                                                                            height::<T1, T2>(rl_1),
                                                                        ));
                                                                        Tree::<T1, T2>::Node(Rc::new((std::mem::replace(&mut __m.0, Tree::<T1, T2>::Leaf), __m.1.clone(), __m.2.clone(), rl_1.clone(), __h_24)))
                                                                    };
                                                                    {
                                                                        let __h_23 = rt::succ(max(
                                                                            height::<T1, T2>(&l_26),
                                                                            height::<T1, T2>(rr_1),
                                                                        ));
                                                                        let __w_47 = l_26;
                                                                        let __w_48 = rk_1.clone();
                                                                        let __w_49 = rv_1.clone();
                                                                        let __w_50 = rr_1.clone();
                                                                        let __w_51 = __h_23;
                                                                        __m.0 = __w_47;
                                                                        __m.1 = __w_48;
                                                                        __m.2 = __w_49;
                                                                        __m.3 = __w_50;
                                                                        __m.4 = __w_51;
                                                                        Tree::Node(__p)
                                                                    }
                                                                }
                                                                false => {
                                                                    match rl_1 {
                                                                        Tree::Leaf => {
                                                                            let __h_25 = rt::succ(
                                                                                max(
                                                                                    height::<T1, T2>(
                                                                                        &__m.0,
                                                                                    ),
                                                                                    height::<T1, T2>(
                                                                                        &r_17,
                                                                                    ),
                                                                                ),
                                                                            );
                                                                            let __w_52 = r_17;
                                                                            let __w_53 = __h_25;
                                                                            __m.3 = __w_52;
                                                                            __m.4 = __w_53;
                                                                            Tree::Node(__p)
                                                                        }
                                                                        Tree::Node(__p_7) => {
                                                                            let (
                                                                                rll_1,
                                                                                rlk_1,
                                                                                rlv_1,
                                                                                rlr_1,
                                                                                _,
                                                                            ) = &**__p_7;
                                                                            {
                                                                                let l_29: Tree<
                                                                                    T1,
                                                                                    T2,
                                                                                > = {
                                                                                    let __h_28 = rt::succ(max(height::<T1, T2>(&__m.0), height::<T1, T2>(rll_1)));
                                                                                    Tree::<T1, T2>::Node(Rc::new((std::mem::replace(&mut __m.0, Tree::<T1, T2>::Leaf), __m.1.clone(), __m.2.clone(), rll_1.clone(), __h_28)))
                                                                                };
                                                                                {
                                                                                    let r_29: Tree<
                                                                                        T1,
                                                                                        T2,
                                                                                    > = {
                                                                                        let __h_27 = rt::succ(max(height::<T1, T2>(rlr_1), height::<T1, T2>(rr_1)));
                                                                                        Tree::<T1, T2>::Node(Rc::new((rlr_1.clone(), rk_1.clone(), rv_1.clone(), rr_1.clone(), __h_27)))
                                                                                    };
                                                                                    {
                                                                                        let __h_26 = rt::succ(max(height::<T1, T2>(&l_29), height::<T1, T2>(&r_29)));
                                                                                        let __w_54 =
                                                                                            l_29;
                                                                                        let __w_55 = rlk_1.clone();
                                                                                        let __w_56 = rlv_1.clone();
                                                                                        let __w_57 =
                                                                                            r_29;
                                                                                        let __w_58 =
                                                                                            __h_26;
                                                                                        __m.0 =
                                                                                            __w_54;
                                                                                        __m.1 =
                                                                                            __w_55;
                                                                                        __m.2 =
                                                                                            __w_56;
                                                                                        __m.3 =
                                                                                            __w_57;
                                                                                        __m.4 =
                                                                                            __w_58;
                                                                                        Tree::Node(
                                                                                            __p,
                                                                                        )
                                                                                    }
                                                                                }
                                                                            }
                                                                        }
                                                                    }
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                            false => {
                                                let __h_29 = rt::succ(max(
                                                    height::<T1, T2>(&__m.0),
                                                    height::<T1, T2>(&r_17),
                                                ));
                                                let __w_59 = r_17;
                                                let __w_60 = __h_29;
                                                __m.3 = __w_59;
                                                __m.4 = __w_60;
                                                Tree::Node(__p)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
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
                Some((y, b_p)) => match leb0(*x, *y) {
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
                        let __w = max0(*x, __m.head);
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
pub fn store<T1: Clone + 'static, T2: Clone + 'static>(s: StateP<T1, T2>) -> Tree<T1, T2> {
    {
        let StateP::MkSt(_, _, store0_1) = s;
        store0_1
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
    StateP::<T1, T2>::MkSt(r, rt::List::<u64>::nil(), empty::<T1, T2>())
}

/// `token0`.
pub fn token0(_x: u64) -> rt::List<u64> {
    rt::List::<u64>::nil()
}

/// `put`.
pub fn put<T1: Clone + 'static, T2: Clone + 'static>(
    kcmp: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
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
                            StateP::<T1, T2>::MkSt(
                                me0_5,
                                vset(clock0_4.clone(), me0_5, sq),
                                add::<T1, T2>(kcmp, &k, v.clone(), store0_1),
                            ),
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
    kcmp: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
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
                            StateP::<T1, T2>::MkSt(
                                me0_5,
                                vset(clock0_4.clone(), me0_5, sq),
                                add::<T1, T2>(kcmp, &k, v.clone(), store0_1),
                            ),
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
                true => Some((find0::<T1, T2>(kcmp, k, store0_1), {
                    match get_merge() {
                        true => vjoin(tk.clone(), clock0_2.clone()),
                        false => tk.clone(),
                    }
                })),
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
    kcmp: &(impl Fn(&T1, &T1) -> std::cmp::Ordering + ?Sized),
    st: StateP<T1, T2>,
    m: MsgP<T1, T2>,
) -> StateP<T1, T2> {
    {
        let StateP::MkSt(me0_1, clock0_1, store0_1) = st;
        {
            let MsgP::MkMsg(morig0_1, mseq0_1, _, mkey0_1, mval0_1) = m;
            StateP::<T1, T2>::MkSt(
                me0_1,
                vset(clock0_1, morig0_1, mseq0_1),
                add::<T1, T2>(kcmp, &mkey0_1, mval0_1, store0_1),
            )
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
