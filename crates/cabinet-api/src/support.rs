//! Support: a member's questions to the portal's support service (tickets,
//! `ticket` in the change feed, seen only by their author) and the answers
//! to frequent questions (`GET /v1/support/faq`, public, with an `ETag` so
//! clients keep an offline copy).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::records::Record;

/// At most this many files on one ticket…
pub const MAX_TICKET_FILES: usize = 5;
/// …and this many bytes in all of them together.
pub const MAX_TICKET_BYTES: usize = 10 * 1024 * 1024;
/// A ticket's message: at most this many characters.
pub const MAX_TICKET_MESSAGE: usize = 5_000;

/// What a ticket is about; support routes it by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TicketTopic {
    /// Logging in, passwords, the authenticator.
    Login,
    /// Qualified signatures, certificates, tokens.
    Signature,
    Applications,
    Payments,
    Employees,
    Registration,
    Other,
}

impl TicketTopic {
    pub const ALL: [TicketTopic; 7] = [
        TicketTopic::Login,
        TicketTopic::Signature,
        TicketTopic::Applications,
        TicketTopic::Payments,
        TicketTopic::Employees,
        TicketTopic::Registration,
        TicketTopic::Other,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Registered; support has not answered yet.
    Open,
    /// Support answered.
    Answered,
}

/// A file sent with a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketFile {
    pub name: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub size: i64,
    pub media_type: String,
}

/// A question to support (`ticket`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Ticket {
    pub id: String,
    /// What the user quotes on the phone: `ТП-000123`.
    pub number: String,
    /// The member who wrote it; only they see it.
    pub author_id: String,
    pub topic: TicketTopic,
    pub message: String,
    pub files: Vec<TicketFile>,
    pub status: TicketStatus,
    pub created_at: String,
    /// Support's answer, once there is one.
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

impl Record for Ticket {
    const ENTITY: &'static str = "ticket";
    fn id(&self) -> &str {
        &self.id
    }
}

/// A file of a new ticket, its content in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicketFile {
    pub name: String,
    pub content: String,
}

/// `POST /v1/orgs/{org}/support/tickets` (`Idempotency-Key`): the files
/// travel with the ticket, so it is registered whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicket {
    pub topic: TicketTopic,
    pub message: String,
    #[serde(default)]
    pub files: Vec<NewTicketFile>,
}

/// The message as stored (trimmed), or the reason it is refused.
pub fn ticket_message(message: &str) -> Result<String, &'static str> {
    let message = message.trim();
    if message.is_empty() {
        return Err("the message is empty");
    }
    if message.chars().count() > MAX_TICKET_MESSAGE {
        return Err("the message is longer than 5000 characters");
    }
    Ok(message.to_owned())
}

/// An answer to a frequent question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FaqEntry {
    pub topic: TicketTopic,
    pub question: String,
    pub answer: String,
}

/// The frequent questions the reference portal answers.
pub fn faq() -> Vec<FaqEntry> {
    use TicketTopic as T;
    let e = |topic, question: &str, answer: &str| FaqEntry {
        topic,
        question: question.to_owned(),
        answer: answer.to_owned(),
    };
    vec![
        e(
            T::Login,
            "Как войти в кабинет организации с электронной подписью?",
            "Выберите «Войти по электронной подписи», укажите файл .pfx или подключите токен, \
             выберите сертификат руководителя и введите пароль или PIN-код. Портал проверит \
             сертификат и откроет кабинеты, к которым у вас есть доступ.",
        ),
        e(
            T::Login,
            "Учётная запись заблокирована после неверных паролей. Что делать?",
            "После пяти неверных попыток вход блокируется на 15 минут; время разблокировки \
             показано в сообщении об ошибке. Если пароль забыт, воспользуйтесь ссылкой \
             «Забыли пароль?» — код подтверждения придёт по SMS.",
        ),
        e(
            T::Signature,
            "Какие подписи подходят для подписания документов?",
            "Квалифицированная электронная подпись (КЭП) руководителя организации по ГОСТ Р \
             34.10-2012, выданная аккредитованным удостоверяющим центром. Подпись \
             формируется на вашем компьютере, закрытый ключ никуда не передаётся.",
        ),
        e(
            T::Signature,
            "Сертификат просрочен или не принимается порталом",
            "Проверьте срок действия сертификата на экране «Подписи». Просроченный или \
             отозванный сертификат нужно перевыпустить в удостоверяющем центре; после этого \
             войдите с новым сертификатом.",
        ),
        e(
            T::Applications,
            "Можно ли подготовить заявление без интернета?",
            "Да. Черновики, вложения, подписи и ответы сохраняются на компьютере и \
             отправляются при следующей синхронизации. Пока действие не отправлено, оно \
             видно в разделе «Исходящие».",
        ),
        e(
            T::Applications,
            "Какие файлы можно приложить к заявлению?",
            "PDF, DOCX, JPG и PNG размером до 10 МБ каждый. Тип определяется по содержимому \
             файла, поэтому переименованный файл другого формата не будет принят.",
        ),
        e(
            T::Payments,
            "Когда оплата появится в кабинете?",
            "Сразу после подтверждения банком: начисление получает статус «Оплачено», а в \
             документах появляется квитанция. Если оплата сделана без интернета в \
             приложении, она уйдёт при следующей синхронизации.",
        ),
        e(
            T::Employees,
            "Как дать сотруднику доступ к кабинету?",
            "Руководитель или администратор приглашает сотрудника по адресу электронной \
             почты в разделе «Сотрудники» и выбирает роль. Права роли можно изменить в любой \
             момент.",
        ),
        e(
            T::Registration,
            "Сколько длится проверка заявки на регистрацию организации?",
            "Данные сверяются с государственным реестром, документы проверяет оператор \
             портала. Если что-то нужно исправить, в заявке будет указано, какое поле или \
             документ.",
        ),
        e(
            T::Other,
            "Как выгрузить данные для 1С?",
            "В разделе «Платежи» нажмите «для 1С»: начисления и платежи сохранятся в файл \
             JSON для загрузки в 1С. Таблицы CSV и Excel выгружаются из разделов «Заявления» \
             и «Платежи».",
        ),
    ]
}
