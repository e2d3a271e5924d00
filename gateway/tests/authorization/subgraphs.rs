//! The `library` fixture's subgraphs: `catalog` (media, an interface; stats; an audit log)
//! and `loans` (loan counts and borrowers on books, patrons, a mutation). They enforce
//! nothing themselves: what reaches them is what the gateway let through.

use async_graphql::{EmptySubscription, Interface, Object, Schema, SimpleObject, Union, ID};

#[derive(SimpleObject, Clone)]
pub struct Book {
    id: ID,
    title: String,
    internal_notes: Option<String>,
    isbn: String,
}

#[derive(SimpleObject, Clone)]
pub struct Film {
    id: ID,
    title: String,
    internal_notes: Option<String>,
    rating: Option<String>,
}

#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "&ID"),
    field(name = "title", ty = "&String"),
    field(name = "internal_notes", ty = "&Option<String>")
)]
pub enum Media {
    Book(Book),
    Film(Film),
}

#[derive(SimpleObject)]
pub struct Stats {
    visits: i32,
}

fn book(id: &str) -> Option<Book> {
    let (title, notes, isbn) = match id {
        "b1" => ("Dune", "signed copy", "978-0441013593"),
        "b2" => ("Emma", "water damage", "978-0141439587"),
        _ => return None,
    };
    Some(Book {
        id: ID(id.into()),
        title: title.into(),
        internal_notes: Some(notes.into()),
        isbn: isbn.into(),
    })
}

fn film() -> Film {
    Film {
        id: ID("f1".into()),
        title: "Alien".into(),
        internal_notes: Some("director's cut".into()),
        rating: Some("R".into()),
    }
}

pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    async fn media(&self) -> Vec<Media> {
        let books = ["b1", "b2"].into_iter().filter_map(book).map(Media::Book);
        books.chain([Media::Film(film())]).collect()
    }

    async fn book(&self, id: ID) -> Option<Book> {
        book(&id)
    }

    async fn stats(&self) -> Option<Stats> {
        Some(Stats { visits: 42 })
    }

    async fn audit_log(&self) -> Vec<String> {
        vec!["b1 renewed".into()]
    }

    #[graphql(entity)]
    async fn find_book_by_id(&self, #[graphql(key)] id: ID) -> Option<Book> {
        book(&id)
    }

    #[graphql(entity)]
    async fn find_film_by_id(&self, #[graphql(key)] id: ID) -> Option<Film> {
        (id.0 == "f1").then(film)
    }
}

pub fn catalog() -> Schema<CatalogQuery, async_graphql::EmptyMutation, EmptySubscription> {
    Schema::build(
        CatalogQuery,
        async_graphql::EmptyMutation,
        EmptySubscription,
    )
    .register_output_type::<Media>()
    .enable_federation()
    .finish()
}

/// `Book` as the loans subgraph knows it.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Book")]
pub struct LoanBook {
    id: ID,
    loan_count: i32,
    borrower: Option<Patron>,
}

#[derive(SimpleObject, Clone)]
pub struct Patron {
    id: ID,
    name: String,
    email: String,
}

#[derive(Union)]
pub enum Findable {
    Book(LoanBook),
    Patron(Patron),
}

fn patron(id: &str) -> Option<Patron> {
    let (name, email) = match id {
        "p1" => ("Ada", "ada@library.test"),
        "p2" => ("Alan", "alan@library.test"),
        _ => return None,
    };
    Some(Patron {
        id: ID(id.into()),
        name: name.into(),
        email: email.into(),
    })
}

fn loan_book(id: &str) -> LoanBook {
    LoanBook {
        id: ID(id.into()),
        loan_count: if id == "b1" { 3 } else { 0 },
        borrower: if id == "b1" { patron("p1") } else { None },
    }
}

pub struct LoansQuery;

#[Object]
impl LoansQuery {
    async fn patrons(&self) -> Option<Vec<Patron>> {
        Some(["p1", "p2"].into_iter().filter_map(patron).collect())
    }

    async fn find(&self, term: String) -> Vec<Option<Findable>> {
        let _ = term;
        vec![
            Some(Findable::Book(loan_book("b1"))),
            patron("p2").map(Findable::Patron),
        ]
    }

    #[graphql(entity)]
    async fn find_loan_book_by_id(&self, #[graphql(key)] id: ID) -> LoanBook {
        loan_book(&id)
    }

    #[graphql(entity)]
    async fn find_patron_by_id(&self, #[graphql(key)] id: ID) -> Option<Patron> {
        patron(&id)
    }
}

pub struct LoansMutation;

#[Object]
impl LoansMutation {
    async fn renew_loan(&self, book_id: ID) -> bool {
        book_id.0 == "b1"
    }
}

pub fn loans() -> Schema<LoansQuery, LoansMutation, EmptySubscription> {
    Schema::build(LoansQuery, LoansMutation, EmptySubscription)
        .enable_federation()
        .finish()
}
