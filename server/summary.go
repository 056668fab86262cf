package server

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// bindSummary: the 检查汇总反馈表 of a walkthrough or spot check as a PDF,
// for whoever may read the submission (404 otherwise). It also takes a
// file token (?token=), so a plain link downloads it.
func (s *Server) bindSummary() {
	s.route(fiber.MethodGet, "/api/v1/submissions/:id/report.pdf", Anyone.WithFileToken(), s.getSummaryPDF)
}

func (s *Server) getSummaryPDF(c *fiber.Ctx) error {
	var buf bytes.Buffer
	if err := s.Summaries.PDF(c.UserContext(), principal(c), utils.CopyString(c.Params("id")), &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="inspection-summary.pdf"; filename*=UTF-8''%E6%A3%80%E6%9F%A5%E6%B1%87%E6%80%BB%E5%8F%8D%E9%A6%88%E8%A1%A8.pdf`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(buf.Bytes())
}
