package callbacks

import (
	"fmt"

	"fieldcheck/errs"
)

func errNotFound(id string) error { return errs.NotFoundf("回访任务", id) }

func errLeased(holder string) error {
	return errs.New(errs.Conflict, "leased_to_other",
		fmt.Sprintf("该回访任务正由 %s 处理", holder),
		fmt.Sprintf("this callback is leased to %s", holder))
}

// ErrAlreadyDone: a task takes one result.
var ErrAlreadyDone = errs.New(errs.Conflict, "already_done", "该回访已有结果", "this callback already has a result")

// ErrSurveyAnswered: a survey link answers once.
var ErrSurveyAnswered = errs.New(errs.Conflict, "survey_answered", "您已提交过评价，感谢您的反馈", "this survey has already been answered")

// ErrSurveyGone: the link died when the task went to an agent or passed its deadline.
var ErrSurveyGone = errs.New(errs.Gone, "survey_expired", "该评价链接已失效", "this survey link has expired")

// ErrSurveyNotFound: an unknown token.
var ErrSurveyNotFound = errs.New(errs.NotFound, "not_found", "评价链接不存在", "no such survey")

func errClosed(status string) error {
	return errs.New(errs.Conflict, "task_closed",
		"该回访任务已结束", "this callback is closed ("+status+")")
}

// ErrSMSPending: a task still waiting for the customer's SMS answer is not
// an agent's yet.
var ErrSMSPending = errs.New(errs.Conflict, "sms_pending",
	"客户尚未答复短信评价，暂不需要电话回访", "this callback is waiting for the customer's SMS answer")
